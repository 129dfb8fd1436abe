# One image for the router and the operator: `switchboard router ...` / `switchboard operator`.
# Build: docker build -t switchboard:0.1.0 .   (see docs/install.md)

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY cli ./cli
COPY router ./router
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# Distroless Node: no shell, no package manager at run time.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# glibc's malloc hands allocations of 32 KiB and more (request bodies, NATS messages) to mmap, which
# returns them to the system when freed: kept in its heap they fragmented it, and the router stayed
# ~20 MiB larger after an alert storm (docs/benchmarks.md). test/harness/router.ts runs with the same.
ENV MALLOC_MMAP_THRESHOLD_=32768
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY crds ./crds
# Numeric non-root user (distroless "nonroot" is 65532), so runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/switchboard.js"]
CMD ["--help"]
