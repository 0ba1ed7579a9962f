# syntax=docker/dockerfile:1
# Node 24, the current LTS. Multi-stage: build with dev dependencies, run with production dependencies only, as a non-root user.
# Migrations are a separate step (the `migrate` service in docker-compose.yml, or
# `docker run --rm <image> node scripts/migrate.js` before rolling out a new version).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma/migrations ./prisma/migrations
COPY --from=build --chown=node:node /app/scripts/migrate.js ./scripts/migrate.js
USER node
EXPOSE 3000
# Liveness only: readiness (/health, Postgres and Redis) belongs to the orchestrator's probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form): in-flight requests finish, then connections close.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
