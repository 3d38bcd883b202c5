# ts-mesh-pilot: Pilot: discovery and xDS.
# Build from the repository root: docker build -f deploy/docker/pilot.Dockerfile -t ts-mesh-pilot:0.1.0 .
# Multi-stage: the build stage installs the workspace and builds @mesh/pilot with its workspace
# dependencies; `pnpm deploy` copies that one package with its production dependencies only, and
# the runtime stage runs it as a non-root user (read-only root filesystem in the manifests).
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm i -g pnpm@10.34.9
COPY . .
RUN pnpm install --frozen-lockfile \
 && CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false pnpm exec nx run @mesh/pilot:build --output-style=static \
 && pnpm --filter @mesh/pilot deploy --prod --legacy /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /out ./
ENV NODE_ENV=production
USER 10001:10001
EXPOSE 15010 15014
ENTRYPOINT ["node", "/app/bin/mesh-pilot.js"]
