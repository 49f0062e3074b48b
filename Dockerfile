# One image for both processes; docker-compose.yml runs it as `api` and as `worker`.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
# With internet access Prisma's CLI can fetch its engine; generation itself does not need it.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx prisma generate
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
CMD ["npm", "run", "start:api"]
