/**
 * OpenPGP signing of the commits and annotated tags Governor writes (policy `git.sign_commits`).
 *
 * The git layer only knows a `CommitSigner`: payload text in, ASCII-armored detached signature
 * out, the same contract as isomorphic-git's `onSign`. Everything openpgp-specific stays in this
 * file, and openpgp itself is imported lazily so projects that do not sign never load it.
 */
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Key } from 'openpgp';
import type { PoliciesFile } from '../../../shared/config.ts';
import { GovernorError } from '../errors.ts';

/**
 * Signs the bytes of a commit or tag object (without its signature) and returns an armored
 * detached signature (`-----BEGIN PGP SIGNATURE-----` …). Named apart from message.ts's `Signer`,
 * which is the identity (actor) a commit is attributed to.
 */
export type CommitSigner = (payload: string) => Promise<string>;

/** A signing key that cannot be used; `file` is the key file as configured/resolved. */
export class SigningKeyError extends GovernorError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('signing_key', `signing key ${file}: ${detail}`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads an ASCII-armored OpenPGP private key, unlocks it and checks it can sign now, so a bad key
 * fails when the project opens rather than at the first commit of a run.
 */
export async function loadSigner(options: { keyFile: string; passphrase?: string | undefined }): Promise<CommitSigner> {
  const { keyFile, passphrase } = options;
  let armored: string;
  try {
    armored = await fsp.readFile(keyFile, 'utf8');
  } catch (err) {
    const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
    throw new SigningKeyError(keyFile, code === 'ENOENT' ? 'file not found' : `cannot be read (${messageOf(err)})`);
  }

  const openpgp = await import('openpgp');
  let key: Key;
  try {
    key = await openpgp.readKey({ armoredKey: armored });
  } catch (err) {
    throw new SigningKeyError(keyFile, `not an ASCII-armored OpenPGP key (${messageOf(err)})`);
  }
  if (!key.isPrivate()) {
    throw new SigningKeyError(
      keyFile,
      'is a public key; signing needs the private key (gpg --armor --export-secret-keys <id>)',
    );
  }

  let privateKey = key;
  if (!privateKey.isDecrypted()) {
    if (passphrase === undefined || passphrase === '') {
      throw new SigningKeyError(keyFile, 'is protected by a passphrase, and none was given');
    }
    try {
      privateKey = await openpgp.decryptKey({ privateKey, passphrase });
    } catch (err) {
      // openpgp reports a wrong passphrase as "Error decrypting private key: Incorrect key passphrase".
      const wrong = /passphrase/i.test(messageOf(err));
      throw new SigningKeyError(keyFile, wrong ? 'wrong passphrase' : `cannot be unlocked (${messageOf(err)})`);
    }
  }

  try {
    await privateKey.getSigningKey();
  } catch (err) {
    throw new SigningKeyError(
      keyFile,
      `cannot sign (${messageOf(err)}); is it expired or revoked, or missing a signing subkey?`,
    );
  }

  const unlocked = privateKey;
  return async (payload: string): Promise<string> => {
    // A binary (not text) signature covers the exact object bytes, as git's own `gpg -bsau` does.
    const message = await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') });
    return openpgp.sign({ message, signingKeys: unlocked, detached: true, format: 'armored' });
  };
}

/**
 * The signer `.project_policies.yaml` asks for, or undefined when `git.sign_commits` is off.
 * The key path is resolved against the project folder (`~/` = the home directory); the passphrase
 * comes from the environment variable the policy names, so it never sits in a file.
 */
export async function signerFromPolicy(input: {
  projectDir: string;
  git: PoliciesFile['git'];
  env?: NodeJS.ProcessEnv;
}): Promise<CommitSigner | undefined> {
  const { git, projectDir } = input;
  const env = input.env ?? process.env;
  if (!git.sign_commits) return undefined;
  if (git.signing_key_file === undefined) {
    throw new GovernorError(
      'signing_key_missing',
      '.project_policies.yaml: git.sign_commits is true but no key is configured; add `signing_key_file: <path to an ASCII-armored OpenPGP private key>` under `git:` (plus `signing_key_passphrase_env: <VARIABLE>` if the key has a passphrase), or set sign_commits: false',
    );
  }
  const configured = git.signing_key_file;
  const keyFile = configured.startsWith('~/')
    ? path.join(os.homedir(), configured.slice(2))
    : path.resolve(projectDir, configured);
  let passphrase: string | undefined;
  if (git.signing_key_passphrase_env !== undefined) {
    passphrase = env[git.signing_key_passphrase_env];
    if (passphrase === undefined) {
      throw new GovernorError(
        'signing_passphrase_missing',
        `.project_policies.yaml: git.signing_key_passphrase_env names ${git.signing_key_passphrase_env}, which is not set in the environment; export it with the passphrase of ${keyFile}`,
      );
    }
  }
  return loadSigner({ keyFile, passphrase });
}
