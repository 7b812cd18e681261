# syntax=docker/dockerfile:1
# A small static image: azaudit built for musl, on distroless/static.
#   docker build -t azaudit .
#   docker run --rm azaudit --help

FROM rust:1.95-alpine AS build
# ring compiles C and assembly: musl-dev provides the toolchain's C library;
# jemalloc (the binary's allocator) is built with its configure and make.
RUN apk add --no-cache musl-dev make
WORKDIR /src
COPY . .
# Without the `demo` feature: the image links no mock Azure. jemalloc fixes
# the page size it allocates by when it is built: on arm64, 64 KiB, so the
# binary also runs on kernels with 64 KiB pages (it works on 4 KiB ones).
RUN if [ "$(uname -m)" = aarch64 ]; then export JEMALLOC_SYS_WITH_LG_PAGE=16; fi \
 && cargo build --release --locked --no-default-features --bin azaudit \
 && strip target/release/azaudit \
 && ./target/release/azaudit --version

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/release/azaudit /usr/local/bin/azaudit
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/azaudit"]
CMD ["--help"]
