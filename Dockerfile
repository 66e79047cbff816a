# sohoa in a container: the same set-up script as the Makefile and CI.
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive SOHOA_VENV=/opt/sohoa/.venv SOHOA_DATA_DIR=/var/lib/sohoa
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends make ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/sohoa
COPY . .
RUN scripts/setup.sh && rm -rf /var/lib/apt/lists/*
ENV PATH=/opt/sohoa/.venv/bin:$PATH
VOLUME ["/var/lib/sohoa"]
ENTRYPOINT ["sohoa"]
CMD ["--help"]
