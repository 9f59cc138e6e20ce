# The aggregator as a container: `aggregator run` (scheduler + HTTP server) as a
# non-root user, data in the /data volume, configuration by environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    AGGREGATOR_CONFIG=/etc/aggregator/feeds.toml \
    AGGREGATOR_DATABASE=/data/aggregator.db \
    AGGREGATOR_OUTPUT_DIR=/data/public \
    AGGREGATOR_HOST=0.0.0.0 \
    AGGREGATOR_PORT=8080 \
    AGGREGATOR_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY aggregator ./aggregator
RUN pip install --no-cache-dir /app \
    && groupadd --system --gid 10001 aggregator \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin aggregator \
    && mkdir -p /data /etc/aggregator \
    && chown aggregator:aggregator /data
COPY feeds.toml /etc/aggregator/feeds.toml

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('AGGREGATOR_PORT', '8080'), timeout=4)"]
CMD ["aggregator", "run"]
