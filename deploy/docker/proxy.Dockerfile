# ts-mesh-proxy: the sidecar proxy (and gateway); injected by Galley's /inject, runs as UID 1337.
# Build from the repository root: docker build -f deploy/docker/proxy.Dockerfile -t ts-mesh-proxy:0.1.0 .
# Multi-stage: the build stage installs the workspace and builds @mesh/sidecar with its workspace
# dependencies; `pnpm deploy` copies that one package with its production dependencies only, and
# the runtime stage runs it as a non-root user (read-only root filesystem in the manifests).
# Debian (glibc) on purpose: the sidecar reads SO_ORIGINAL_DST through koffi, whose prebuilt binary
# ships in the npm package (linux_x64/arm64 for glibc; musl builds exist too, and libc is then found
# in the process) - no compiler, no install script.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm i -g pnpm@10.34.9
COPY . .
RUN pnpm install --frozen-lockfile \
 && CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false pnpm exec nx run @mesh/sidecar:build --output-style=static \
 && pnpm --filter @mesh/sidecar deploy --prod --legacy /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /out ./
ENV NODE_ENV=production
USER 1337:1337
EXPOSE 15001 15006
ENTRYPOINT ["node", "/app/bin/mesh-sidecar.js"]
