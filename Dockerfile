# syntax=docker/dockerfile:1
# mailcheck in a container, for cron and Kubernetes CronJobs: see the README, "In a container".
# The first stage builds the wheel from the source; the image holds Python and the installed
# wheel only (no source tree, no build tools) and runs as an unprivileged user.
# tests/test_container_image.py runs these build and install steps outside Docker.
ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src/ src/
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:${PYTHON_VERSION}-slim
# optional dependencies to install with the wheel, comma-separated (pyproject's extras)
ARG EXTRAS="postgres,metrics"
COPY --from=build /wheels/ /wheels/
RUN python -m pip install --no-cache-dir "$(echo /wheels/*.whl)${EXTRAS:+[$EXTRAS]}" && rm -rf /wheels
RUN useradd --system --uid 10001 --user-group --create-home mailcheck \
    && mkdir -p /var/lib/mailcheck && chown mailcheck:mailcheck /var/lib/mailcheck
USER 10001:10001
WORKDIR /var/lib/mailcheck
# the state store: a volume here, or a PostgreSQL URL given in the environment
ENV MAILCHECK_DB=/var/lib/mailcheck/state.sqlite
VOLUME ["/var/lib/mailcheck"]
ENTRYPOINT ["mailcheck"]
CMD ["--help"]
