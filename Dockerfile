# One image for the router and the operator: `switchboard router ...` / `switchboard operator`.
#
# Build with the default public bases (Node.js 26 LTS on Debian 13 "trixie"):
#   docker build -t switchboard:0.1.0 .        or        buildah bud -t switchboard:0.1.0 .
# (docs/install.md). The test suite builds this same file with buildah on machines that cannot reach a
# container registry: scripts/image-bases.sh makes stand-ins for the two bases from Debian packages and the
# pinned Node.js binary, and passes them as BUILD_BASE and RUNTIME_BASE (test/integration/image.test.ts).
#
# BUILD_BASE needs node, npm, a shell and apt (the official node image). RUNTIME_BASE needs node at
# /nodejs/bin/node and user 65532: distroless's Node.js 26 image (no shell, no package manager at run
# time), which exists for Debian 13 and matches the build base's Debian release and glibc.
ARG BUILD_BASE=node:26-trixie-slim
ARG RUNTIME_BASE=gcr.io/distroless/nodejs26-debian13:nonroot

FROM ${BUILD_BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# Every folder tsconfig.build.json compiles (test/unit/dockerfile.test.ts checks the two lists agree).
COPY cli ./cli
COPY router ./router
COPY operator ./operator
RUN npx tsc -p tsconfig.build.json

FROM ${BUILD_BASE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Source maps and type declarations are of no use at run time: ~1/4 of node_modules' files.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
  && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete

# jemalloc for the router (below): Debian's build, from the base the other stages already use, copied to a
# path that is the same on every architecture.
FROM ${BUILD_BASE} AS allocator
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends libjemalloc2 \
  && rm -rf /var/lib/apt/lists/* \
  && cp /usr/lib/*-linux-gnu/libjemalloc.so.2 /libjemalloc.so.2

FROM ${RUNTIME_BASE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="switchboard" \
  org.opencontainers.image.description="Self-hosted, Kubernetes-native alert router for Managed Service Providers" \
  org.opencontainers.image.source="https://github.com/switchboard-dev/switchboard" \
  org.opencontainers.image.version="${VERSION}" \
  org.opencontainers.image.licenses="Apache-2.0"
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
