# syntax=docker/dockerfile:1
# The service image: the API by default, the projector with
#   command: ["node", "dist/apps/projector/src/main.js"]
# Built with the README's own commands (npm ci, npm run build); runs as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm-slim

# The npm the lockfile and package.json's allowScripts were written for.
FROM ${NODE_IMAGE} AS npm
RUN npm install -g npm@11.19.1 --no-audit --no-fund

# Everything, to compile.
FROM npm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Only what runs: production dependencies, installed from the same lockfile.
FROM npm AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# Ready means the read store and the event store both answer, and no projection this process owns
# is failing or stands aside for newer code (GET /health/ready, 503 otherwise; the API on PORT 3000,
# the projector on its PORT too).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/contracts-api/src/main.js"]
