# tongban: the app and the worker in one image (the command picks which).
#   docker build -t tongban .
#   docker compose -f docs/deploy/compose.yaml up -d     (see docs/deploy/README.md)
# Runs as an unprivileged user on a read-only root filesystem: everything it writes goes to
# /data (keys, uploaded materials, the SQLite file when no database URL is given) and /tmp.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
RUN python -m venv /opt/tongban \
 && /opt/tongban/bin/pip install --require-hashes -r requirements.lock
COPY src ./src
RUN /opt/tongban/bin/pip install --no-deps .

FROM python:3.11-slim-bookworm
# The Noto CJK fonts render Chinese receipts and licence PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin tongban \
 && mkdir -p /data && chown tongban /data
COPY --from=build /opt/tongban /opt/tongban
ENV PATH=/opt/tongban/bin:$PATH \
    TONGBAN_DATA_DIR=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER tongban
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["tongban", "serve", "--host", "0.0.0.0", "--port", "8000"]
