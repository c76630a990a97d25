# The portal's image: web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/iuc

# WeasyPrint needs Pango and HarfBuzz; gettext compiles the translations.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY iuc_portal ./iuc_portal
COPY applications ./applications
COPY pairings ./pairings
COPY action_plans ./action_plans
RUN pip install .
COPY . .

# Build-time only values: collectstatic and compilemessages need settings to load.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
      DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      python manage.py collectstatic --noinput \
 && DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
      DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      python manage.py compilemessages --ignore '.venv' -v 0 \
 && useradd --system --home /app iuc \
 && mkdir -p /var/lib/iuc/private \
 && chown -R iuc /var/lib/iuc

USER iuc
EXPOSE 8000
CMD ["gunicorn", "iuc_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
