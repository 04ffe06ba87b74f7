# Barta: build with cargo, run on a small non-root image.
# SQLite is bundled and TLS is rustls, so the binary needs only libc.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api --bin barta && mkdir -p /data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/barta /usr/local/bin/barta
COPY --from=build --chown=65532:65532 /data /data
ENV BARTA_BIND=0.0.0.0:8080 \
    BARTA_DATABASE_URL=sqlite:///data/barta.db?mode=rwc \
    BARTA_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
# distroless has no shell or curl: the binary probes itself.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/barta", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/barta"]
CMD ["serve"]
