#!/usr/bin/env node
// An independent Data Integrity signer and verifier for carbontrail's interop tests (issue 3, "Must show").
//
// It signs and verifies W3C VC 2.0 credentials with Digital Bazaar's implementations of the W3C vc-di-eddsa
// cryptosuites (eddsa-rdfc-2022: @digitalbazaar/eddsa-rdfc-2022-cryptosuite over jsonld and rdf-canonize;
// eddsa-jcs-2022: @digitalbazaar/eddsa-jcs-2022-cryptosuite over canonicalize), inside
// @digitalbazaar/data-integrity and @digitalbazaar/vc. It shares no code with carbontrail.
//
//   node di.mjs sign   --contexts MANIFEST --cryptosuite SUITE --seed HEX32 --created DATETIME [--batch]
//   node di.mjs verify --contexts MANIFEST [--now DATETIME] [--batch]
//   node di.mjs load   --contexts MANIFEST URL
//
// MANIFEST is a JSON file {"contexts": {URL: {"path": FILE, "sha256": HEX}}}: the only contexts the document
// loader serves, each checked against its SHA-256 before it is parsed. did:key URLs are resolved locally
// (W3C did:key, Multikey form) with @digitalbazaar/ed25519-multikey. Every other URL is refused: nothing is
// fetched.
//
// `sign` reads an unsigned credential on standard input and writes it signed (the key is the Ed25519 key of
// the 32-byte seed, its verification method did:key:<mb>#<mb>). `verify` reads a secured credential and
// writes {"verified": true|false, "errors": [...]}, exiting 0 when verified and 1 when not. With --batch,
// standard input is a JSON array of credentials: `sign` writes one signed credential a line, `verify` a JSON
// array of results, and both exit 0. `load` writes what the document loader serves for URL. A refusal or
// failure exits 1 with the reason on standard error; bad usage exits 2.

import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  createSignCryptosuite as createJcsSignCryptosuite,
  createVerifyCryptosuite as createJcsVerifyCryptosuite
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import jsonld from 'jsonld';

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const RELATIONSHIPS = ['authentication', 'assertionMethod', 'capabilityDelegation', 'capabilityInvocation'];

class RefusedError extends Error {}

class UsageError extends Error {}

// --- the document loader: the manifest's contexts and did:key, nothing else -----------------------------

function contextLoader(manifestPath) {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const entries = manifest.contexts;
  if(!entries || typeof entries !== 'object') {
    throw new UsageError(`${manifestPath}: no "contexts" object`);
  }
  const verified = new Map();
  return function loadContext(url) {
    if(verified.has(url)) {
      return verified.get(url);
    }
    if(!Object.hasOwn(entries, url)) {
      throw new RefusedError(`context ${url} is not on the allow-list`);
    }
    const {path, sha256} = entries[url];
    const bytes = readFileSync(path);
    const computed = createHash('sha256').update(bytes).digest('hex');
    if(computed !== sha256) {
      throw new RefusedError(`context ${url}: ${path} has SHA-256 ${computed}, pinned ${sha256}`);
    }
    const document = JSON.parse(bytes.toString('utf8'));
    verified.set(url, document);
    return document;
  };
}

async function resolveDidKey(url) {
  // did:key:<mb> is a DID document with one Multikey; did:key:<mb>#<mb> is that verification method.
  const [did, fragment, ...rest] = url.split('#');
  const publicKeyMultibase = did.slice('did:key:'.length);
  if(rest.length || (fragment !== undefined && fragment !== publicKeyMultibase) ||
    !publicKeyMultibase.startsWith('z6Mk')) {
    throw new RefusedError(`${url} is not an Ed25519 did:key or its key`);
  }
  const key = await Ed25519Multikey.from({
    '@context': MULTIKEY_V1, type: 'Multikey', id: `${did}#${publicKeyMultibase}`, controller: did,
    publicKeyMultibase
  });
  const method = await key.export({publicKey: true, includeContext: true});
  if(fragment !== undefined) {
    return method;
  }
  const {'@context': _, ...embedded} = method;
  const document = {'@context': [DID_V1, MULTIKEY_V1], id: did, verificationMethod: [embedded]};
  for(const relationship of RELATIONSHIPS) {
    document[relationship] = [method.id];
  }
  return document;
}

function documentLoader(manifestPath) {
  const loadContext = contextLoader(manifestPath);
  return async function load(url) {
    if(typeof url !== 'string') {
      throw new RefusedError('a URL must be a string');
    }
    const document = url.startsWith('did:key:') ? await resolveDidKey(url) : loadContext(url);
    return {contextUrl: null, documentUrl: url, document};
  };
}

// --- commands -----------------------------------------------------------------------------------------

function readStdin() {
  return JSON.parse(readFileSync(0, 'utf8'));
}

function hexSeed(text) {
  if(!/^[0-9a-f]{64}$/.test(text ?? '')) {
    throw new UsageError('--seed must be 32 bytes in lowercase hex');
  }
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

async function sign(options, loader) {
  const seed = hexSeed(options.seed);
  const generated = await Ed25519Multikey.generate({seed});
  const did = `did:key:${generated.publicKeyMultibase}`;
  const exported = await generated.export({publicKey: true, secretKey: true, includeContext: true});
  const keyPair = await Ed25519Multikey.from({
    ...exported, id: `${did}#${generated.publicKeyMultibase}`, controller: did
  });
  let cryptosuite;
  if(options.cryptosuite === 'eddsa-rdfc-2022') {
    cryptosuite = eddsaRdfc2022;
  } else if(options.cryptosuite === 'eddsa-jcs-2022') {
    cryptosuite = createJcsSignCryptosuite();
  } else {
    throw new UsageError('--cryptosuite must be eddsa-rdfc-2022 or eddsa-jcs-2022');
  }
  if(!options.created) {
    throw new UsageError('--created is required (signatures are compared byte for byte)');
  }
  const suite = new DataIntegrityProof({signer: keyPair.signer(), date: options.created, cryptosuite});
  const input = readStdin();
  for(const credential of options.batch ? input : [input]) {
    const signed = await vc.issue({credential, suite, documentLoader: loader});
    process.stdout.write(JSON.stringify(signed) + (options.batch ? '\n' : ''));
  }
}

function messages(error, out = [], seen = new Set()) {
  // jsonld and jsonld-signatures wrap the loader's error; list every message down the chain.
  if(!error || typeof error !== 'object' || seen.has(error)) {
    return out;
  }
  seen.add(error);
  if(error.message) {
    out.push(error.message);
  }
  for(const inner of [error.cause, error.details?.cause, ...(error.errors ?? [])]) {
    messages(inner, out, seen);
  }
  return out;
}

async function verifyOne(credential, options, loader) {
  const suite = [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: createJcsVerifyCryptosuite()})
  ];
  const result = await vc.verifyCredential({
    credential, suite, documentLoader: loader, now: options.now ? new Date(options.now) : undefined
  });
  const errors = [];
  messages(result.error, errors);
  for(const r of result.results ?? []) {
    messages(r.error, errors);
    messages(r.purposeResult?.error, errors);
  }
  return {verified: result.verified === true, errors};
}

async function verify(options, loader) {
  const input = readStdin();
  if(options.batch) {
    const results = [];
    for(const credential of input) {
      results.push(await verifyOne(credential, options, loader));
    }
    process.stdout.write(JSON.stringify(results));
    return 0;
  }
  const result = await verifyOne(input, options, loader);
  process.stdout.write(JSON.stringify(result));
  return result.verified ? 0 : 1;
}

async function main(argv) {
  const {values: options, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      contexts: {type: 'string'},
      cryptosuite: {type: 'string'},
      seed: {type: 'string'},
      created: {type: 'string'},
      now: {type: 'string'},
      batch: {type: 'boolean'}
    }
  });
  const [command, ...rest] = positionals;
  if(!options.contexts) {
    throw new UsageError('--contexts MANIFEST is required');
  }
  const loader = documentLoader(options.contexts);
  // Nothing reaches jsonld's own network loader, even by a path that forgets to pass ours.
  jsonld.documentLoader = loader;
  if(command === 'sign' && rest.length === 0) {
    await sign(options, loader);
    return 0;
  }
  if(command === 'verify' && rest.length === 0) {
    return verify(options, loader);
  }
  if(command === 'load' && rest.length === 1) {
    process.stdout.write(JSON.stringify((await loader(rest[0])).document));
    return 0;
  }
  throw new UsageError('usage: di.mjs sign|verify|load --contexts MANIFEST ...');
}

main(process.argv.slice(2)).then(code => {
  process.exitCode = code;
}, error => {
  const kind = error instanceof RefusedError ? 'refused' : 'error';
  process.stderr.write(`di.mjs: ${kind}: ${messages(error).join(' <- ')}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
