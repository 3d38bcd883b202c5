# ts-mesh-galley: Galley: config API, admission webhooks, sidecar injector.
# Build from the repository root: docker build -f deploy/docker/galley.Dockerfile -t ts-mesh-galley:0.1.0 .
# Multi-stage: the build stage installs the workspace and builds @mesh/galley with its workspace
# dependencies; `pnpm deploy` copies that one package with its production dependencies only, and
# the runtime stage runs it as a non-root user (read-only root filesystem in the manifests).
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm i -g pnpm@10.34.9
COPY . .
RUN pnpm install --frozen-lockfile \
 && CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false pnpm exec nx run @mesh/galley:build --output-style=static \
 && pnpm --filter @mesh/galley deploy --prod --legacy /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /out ./
ENV NODE_ENV=production
USER 10001:10001
EXPOSE 9901 8443 15014
ENTRYPOINT ["node", "/app/bin/mesh-galley.js"]
