export default async function globalTeardown() {
  await Promise.all((globalThis.embeddedDatabases ?? []).map((d) => d.stop()));
}
