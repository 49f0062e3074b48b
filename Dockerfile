# One image for both processes; docker-compose.yml runs it as `api` and as `worker`.
# Built once (Prisma client + TypeScript → dist/) in the first stage, exactly as `npm run build`
# does on a checkout; the image only runs the built JavaScript.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund
COPY . .
# Generating the client does not need Prisma's engine binary (which is downloaded on first use).
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npm run build

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
COPY package.json package-lock.json ./
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY prisma ./prisma
EXPOSE 3000
# `npm run start:api` applies migrations (prestart) and starts the built API; the worker service
# runs `npm run start:worker`.
CMD ["npm", "run", "start:api"]
