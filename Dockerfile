# syntax=docker/dockerfile:1
#
# CPS in one image: `docker run -p 8000:8000 -v cps-data:/data cps` serves the
# API, /ws and the web front end on http://127.0.0.1:8000 with the embedded
# SQLite database (and its generated secret key) kept in the /data volume.
# Any other `cps` command runs the same way: `docker run -v cps-data:/data cps demo`.
# Production: set CPS_DATABASE_URL=postgresql://..., CPS_REDIS_URL=redis://...
# and, behind a reverse proxy, FORWARDED_ALLOW_IPS (read by uvicorn).

# --- builder: a virtualenv with the dependencies and the package --------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv
WORKDIR /app

# The dependencies alone first, so that a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY README.md setup.py ./
COPY cps ./cps
COPY migrations ./migrations
COPY web ./web
# A regular install, as from a wheel: `migrations/` and `web/` travel inside the
# package (cps/migrations, cps/web), so the runtime stage needs the virtualenv alone.
RUN pip install --no-deps .

# --- runtime: the slim image, the virtualenv with the code, an unprivileged user -
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CPS_DATABASE_URL=sqlite:////data/cps.db

RUN groupadd --system --gid 10001 cps \
    && useradd --system --uid 10001 --gid cps --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin cps \
    && install -d -o cps -g cps -m 0750 /data

COPY --from=builder /opt/venv /opt/venv

WORKDIR /data
VOLUME ["/data"]
USER cps:cps
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# `cps serve` migrates the database, then serves; SIGTERM drains and stops it.
ENTRYPOINT ["cps"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
