# Build a static kalends binary (pure Go: the SQLite driver needs no cgo)
# and ship it alone in a minimal image running as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Empty: the version the toolchain records (module version or VCS revision).
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/kalends ./cmd/kalends \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kalends /usr/local/bin/kalends
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
VOLUME /data
ENV KALENDS_LISTEN=0.0.0.0:8008 KALENDS_DATA_DIR=/data
EXPOSE 8008
ENTRYPOINT ["/usr/local/bin/kalends"]
CMD ["serve"]
