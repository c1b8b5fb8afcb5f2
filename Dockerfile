# Kefu in a container: the same single binary as `npm run build`, run as a non-root user.
#   docker build -t kefu .
#   docker run -p 3000:3000 -v kefu-data:/data kefu

# Stage 1: build. Bun comes from npm as a dev dependency, so a Node image is all we need.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY src ./src
COPY assets ./assets
COPY migrations ./migrations
RUN npm run build

# Stage 2: run. Assets and migrations are inside the binary; only the data volume is outside.
FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 kefu \
 && useradd --system --uid 10001 --gid kefu --home-dir /data --no-create-home --shell /usr/sbin/nologin kefu \
 && mkdir /data && chown kefu:kefu /data && chmod 0700 /data
COPY --from=build /src/dist/kefu /usr/local/bin/kefu
VOLUME /data
USER kefu
WORKDIR /data
ENV KEFU_DATA_DIR=/data PORT=3000
EXPOSE 3000
# No HEALTHCHECK: the slim image has no curl or wget. Kefu answers GET /healthz (200 while the
# database answers, 503 when it does not) for an orchestrator or load balancer to probe.
ENTRYPOINT ["/usr/local/bin/kefu"]
CMD ["serve"]
