/**
 * Which runtime a compiled Node addon was built for. Every addon exports its init function under
 * `node_register_module_v<ABI>`, so the file itself says; reading it is the only check that does not
 * require loading it (and loading one built for another ABI throws, or worse).
 */
export const abiSymbol = (abi: string) => `node_register_module_v${abi}`;

export function builtForAbi(addon: Buffer, abi: string): boolean {
  return addon.includes(Buffer.from(abiSymbol(abi)));
}

/** Why the desktop app cannot use this better-sqlite3 addon, or null when it can. */
export function addonProblem(addon: Buffer | null, abi: string, where: string): string | null {
  if (!addon)
    return `better-sqlite3 for Electron is missing (${where}). Start the app with \`npm start\`, which builds it.`;
  if (!builtForAbi(addon, abi))
    return (
      `${where} was built for another runtime than this Electron (ABI ${abi}). Run \`npm start\` ` +
      `again to rebuild it.`
    );
  return null;
}
