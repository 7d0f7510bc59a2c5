# The audienceSync worker, compiled. Debian slim rather than Alpine: the Temporal worker's native core
# (Rust, glibc) does not run on musl.
# The image holds only what the worker runs: no Klaviyo emulator, spec or dev tools. The npm workspaces
# (packages/, the emulator) are left out of both installs: nothing in src/ imports them.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script builds, and the sources are not copied yet (they are below, so
# editing them does not invalidate this layer). The dependencies' install scripts only check binaries
# that npm already installed from their platform packages.
RUN npm ci --workspaces=false --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, which needs the dev dependencies; lib/ comes from the build stage.
RUN npm ci --omit=dev --workspaces=false --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/lib ./lib
RUN mkdir -p /app/reports && chown node:node /app/reports
USER node
ENV AUDIENCE_REPORT_DIR=/app/reports
# Same program as `npm run worker` (tsx src/worker.ts), compiled; it loads lib/workflow-bundle.js from the build.
CMD ["node", "lib/worker.js"]
