# The portal's image: gunicorn for the web, the same image for the Celery worker and beat.
# Build: docker compose build (see README, "Operations").

# What every stage shares: Python and the Debian libraries WeasyPrint loads at run time.
FROM python:3.13-slim-bookworm AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH


# Build: the locked dependencies, compiled translations, collected static files.
FROM base AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir --root-user-action=ignore "uv==0.13.9"
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY . .
# Production settings with a throwaway key: nothing here is kept but .mo and static files.
RUN mkdir -p locale \
 && export DJANGO_SETTINGS_MODULE=cm_portal.settings.production \
      SECRET_KEY=image-build-only-never-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz \
      SITE_URL=https://build.invalid \
 && python manage.py compilemessages -v0 \
 && python manage.py collectstatic --no-input -v0 \
 && python -m compileall -q /app


# Run: no compiler, no uv, no gettext; the code belongs to root and is read-only to the app.
FROM base
RUN groupadd --system --gid 10001 cm \
 && useradd --system --uid 10001 --gid cm --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin cm \
 && mkdir -p /data/private /data/celery \
 && chown cm:cm /data/private /data/celery \
 && chmod 0750 /data/private
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
ENV DJANGO_SETTINGS_MODULE=cm_portal.settings.production \
    PRIVATE_MEDIA_ROOT=/data/private
USER cm
EXPOSE 8000
# No access log here: URLs can carry search terms; the reverse proxy logs requests.
# No control socket: nothing manages gunicorn at run time, and /app is not writable.
CMD ["gunicorn", "cm_portal.wsgi", "--bind", "0.0.0.0:8000", "--timeout", "60", \
     "--no-control-socket"]
