# aurora-local in a container: the emulator runs as a non-root user, listens on 4566 and keeps
# its state on the /data volume.
#   docker build -t aurora-local .
#   docker run --rm -p 4566:4566 -v aurora-data:/data aurora-local
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY api-spec ./api-spec
COPY fixtures ./fixtures
COPY bin ./bin
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
# MariaDB for aurora-mysql clusters: the server and mariadb-install-db, the client, mariadb-binlog
# (Backtrack's flashback) and mariadb-backup (replica clones, snapshots). Servers are started by the
# emulator itself; the packages install no service.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      mariadb-server-core mariadb-client-core mariadb-client mariadb-backup \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production AURORA_LOCAL_HOST=0.0.0.0 AURORA_LOCAL_PORT=4566 AURORA_LOCAL_DATA_DIR=/data
RUN groupadd --system aurora && useradd --system --gid aurora --home-dir /app aurora \
 && mkdir -p /data && chown aurora:aurora /data
WORKDIR /app
COPY --from=build --chown=aurora:aurora /app/package.json ./
COPY --from=build --chown=aurora:aurora /app/node_modules ./node_modules
COPY --from=build --chown=aurora:aurora /app/dist ./dist
COPY --from=build --chown=aurora:aurora /app/bin ./bin
COPY --from=build --chown=aurora:aurora /app/api-spec ./api-spec
COPY --from=build --chown=aurora:aurora /app/fixtures ./fixtures
USER aurora
EXPOSE 4566
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:4566/_aurora/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/aurora-local.js", "start"]
