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

# jemalloc for the router (below): Debian's build, from the base the other stages already pull, copied to a
# path that is the same on every architecture.
FROM node:20-bookworm-slim AS allocator
RUN apt-get update \
  && apt-get install -y --no-install-recommends libjemalloc2=5.3.0-1 \
  && rm -rf /var/lib/apt/lists/* \
  && cp /usr/lib/*-linux-gnu/libjemalloc.so.2 /libjemalloc.so.2

# Distroless Node: no shell, no package manager at run time.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# jemalloc instead of glibc's malloc: after an alert storm glibc kept ~18 MiB of freed request bodies
# and NATS messages in a fragmented heap for good, and ingest ran ~10 % faster with jemalloc
# (docs/benchmarks.md). A background thread returns freed pages while the router is idle.
# test/harness/router.ts runs the router with the same.
COPY --from=allocator /libjemalloc.so.2 /usr/lib/libjemalloc.so.2
ENV LD_PRELOAD=/usr/lib/libjemalloc.so.2 MALLOC_CONF=background_thread:true
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
