# syntax=docker/dockerfile:1

# Build: compile TypeScript, then drop the dev dependencies. better-sqlite3 compiles from source where
# no prebuilt binary downloads, so the compilers live here only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build && npm prune --omit=dev

# Runtime: compiled JavaScript and production dependencies, run by plain node as the unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    ARTICLES_DIR=/articles \
    HEALTH_PORT=8080 \
    HEALTH_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The sample corpus, until a volume with your own articles is mounted over it.
COPY seeds /articles
RUN mkdir -p /data && chown node:node /data /articles
USER node
VOLUME ["/data", "/articles"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM from `docker stop` itself (the bot stops within 9 s;
# Docker's default stop timeout is 10 s).
CMD ["node", "dist/src/main.js"]
