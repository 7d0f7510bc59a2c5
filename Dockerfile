# The audienceSync worker, compiled. Debian slim rather than Alpine: the Temporal worker's native core
# (Rust, glibc) does not run on musl.
# The image holds only what the worker runs: no Klaviyo emulator, spec or dev tools. The npm workspaces
# (packages/, the emulator) are left out of both installs: nothing in src/ imports them.
# better-sqlite3 (the embedded sync-state store) compiles from source when its prebuilt binary cannot be
# downloaded: both stages get a compiler for the install (about 2 minutes), the runtime stage drops it after.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script builds, and the sources are not copied yet (they are below, so
# editing them does not invalidate this layer). The dependencies' install scripts only check binaries
# that npm already installed from their platform packages.
RUN npm ci --workspaces=false --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, which needs the dev dependencies; lib/ comes from the build stage.
# better-sqlite3's binary is then fetched or compiled by rebuilding it alone.
RUN npm ci --omit=dev --workspaces=false --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3 && npm cache clean --force
RUN apt-get purge -y python3 make g++ && apt-get autoremove -y
COPY --from=build /app/lib ./lib
RUN mkdir -p /app/reports /app/data && chown node:node /app/reports /app/data
USER node
# The embedded sync-state store lives in /app/data (mount a volume there), unless AUDIENCE_STATE_URL names PostgreSQL.
ENV AUDIENCE_STATE_URL=/app/data/audience-state.sqlite
ENV AUDIENCE_REPORT_DIR=/app/reports
# Audience files are read only under this folder (mount them there); see AUDIENCE_ROOTS in the README.
ENV AUDIENCE_ROOTS=/data
# The worker's memory (docs/deployment.md, Worker memory). V8 sizes its heap from the old-space limit: under
# Node's default (4 GiB here) it lets garbage grow to four times what is live before collecting (a worker
# with ~60 MiB live reached 300 MiB of heap); with 256 MiB it collects at ~1.4 times. 2 MiB semi-spaces
# (young generation; Node's default grows to 16 MiB) in each of the worker's V8 heaps (activities and
# workflows, the plan): ~80 MiB less resident than 16, ~10 less than 4 (1M bench), for more frequent minor
# collections, which cost little now that the plan reads 16 KiB at a time and a batch in flight is columns. Two malloc arenas instead
# of one per native thread (Temporal's Rust core, libuv, V8): ~15 MiB less. A fixed mmap threshold: blocks of
# 128 KiB or more (request bodies, the plan's tables) are mapped and unmapped, so freed they leave the process;
# glibc otherwise raises the threshold to the largest block freed and keeps such blocks (1M bench: ~30 MiB less
# at peak, 180 MiB instead of 280 after the first sync).
# --heap-growing-percent=15: each heap may grow to 1.15 times what was live after its last full collection before
# the next (V8 picks about 1.4 times under a 256 MiB limit): 10-20 MiB less at peak in the 200k bench, no CPU
# difference measured at 1M (76 CPU-seconds either way).
# V8 refuses it in NODE_OPTIONS: it must be on the command line.
ENV MALLOC_ARENA_MAX=2
ENV MALLOC_MMAP_THRESHOLD_=131072
# Same program as `npm run worker` (tsx src/worker.ts), compiled; it loads lib/workflow-bundle.js from the build.
CMD ["node", "--max-old-space-size=256", "--max-semi-space-size=2", "--heap-growing-percent=15", "lib/worker.js"]
