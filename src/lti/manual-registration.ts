import type { Platform, PlatformStore } from './platform-store.js';

/** A platform registered by hand (npm run platform -- add, or the admin area's form). */
export interface ManualPlatform {
  issuer: string;
  clientId: string;
  name?: string;
  productFamily?: string;
  authEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  tokenAudience?: string;
  deploymentIds: string[];
}

/**
 * Registers a platform by hand, or updates the endpoints of the one with the same issuer + client
 * id: its name, product family and status stay unless given (re-registering must not re-enable a
 * platform an admin disabled). Shared by the CLI and the admin area so both register alike.
 */
export async function registerManualPlatform(platforms: PlatformStore, m: ManualPlatform, now: number): Promise<{ platform: Platform; updated: boolean }> {
  const before = await platforms.findByIssuerAndClient(m.issuer, m.clientId);
  const platform = await platforms.upsert(
    {
      issuer: m.issuer,
      clientId: m.clientId,
      name: m.name || before?.name || new URL(m.issuer).host,
      productFamily: m.productFamily ?? before?.productFamily ?? null,
      authEndpoint: m.authEndpoint,
      tokenEndpoint: m.tokenEndpoint,
      jwksUri: m.jwksUri,
      tokenAudience: m.tokenAudience || null,
      source: 'manual',
      status: before?.status,
    },
    now,
  );
  for (const d of m.deploymentIds) await platforms.addDeployment(platform.id, d, now);
  return { platform, updated: before !== null };
}
