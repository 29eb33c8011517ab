# The sample app's image (grupo-gad): compiled in a builder stage, run from a slim stage that holds
# only the compiled app and the production dependencies of `service`.
#
# No `# syntax=` line: BuildKit would try to pull the frontend, and no registry is reachable here.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS builder
WORKDIR /build

# The CA bundle npm trusts on the build host, when one is given: flysim's build adds it to the
# context as .npm-ca.pem (scripts/build-image.sh writes it). The bracket makes it optional, since
# COPY fails only when nothing matches. It stays in the builder stages; nothing from here but the
# compiled app and the production dependencies reaches the final image.
COPY package.json .npm-ca.pe[m] /tmp/npm-ca/
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Only the service's manifest comes in: npm ci then installs the service's dependencies and the
# root's tools (TypeScript), and none of the simulator's.
COPY package.json package-lock.json ./
COPY service/package.json service/
RUN if [ -s /tmp/npm-ca/.npm-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/npm-ca/.npm-ca.pem; fi \
 && npm ci --workspace service --include-workspace-root --ignore-scripts

COPY tsconfig.json ./
COPY service/tsconfig.build.json service/
COPY service/src service/src
RUN npm run build --workspace service

FROM builder AS production-deps
RUN rm -rf node_modules \
 && if [ -s /tmp/npm-ca/.npm-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/npm-ca/.npm-ca.pem; fi \
 && npm ci --workspace service --omit=dev --ignore-scripts \
 && rm -f node_modules/grupo-gad

FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app

COPY --from=production-deps /build/node_modules ./node_modules
COPY --from=builder /build/service/dist ./service/dist
COPY service/package.json ./service/

USER node
EXPOSE 8080
CMD ["node", "service/dist/bin/server.js"]
