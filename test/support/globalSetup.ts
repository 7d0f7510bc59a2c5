// Placeholder: replaced by the Temporal dev-server setup (starts `temporal server start-dev` once).
export default async function setup(): Promise<void> {}
