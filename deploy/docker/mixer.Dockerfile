# ts-mesh-mixer: Mixer: policy Check and telemetry Report.
# Build from the repository root: docker build -f deploy/docker/mixer.Dockerfile -t ts-mesh-mixer:0.1.0 .
# Multi-stage: the build stage installs the workspace and builds @mesh/mixer with its workspace
# dependencies; `pnpm deploy` copies that one package with its production dependencies only, and
# the runtime stage runs it as a non-root user (read-only root filesystem in the manifests).
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm i -g pnpm@10.34.9
COPY . .
RUN pnpm install --frozen-lockfile \
 && CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false pnpm exec nx run @mesh/mixer:build --output-style=static \
 && pnpm --filter @mesh/mixer deploy --prod --legacy /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /out ./
ENV NODE_ENV=production
USER 10001:10001
EXPOSE 9091 15014 42422
ENTRYPOINT ["node", "/app/bin/mesh-mixer.js"]
