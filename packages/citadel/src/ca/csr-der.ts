/**
 * A minimal DER reader for the PKCS#10 requests workloads send (RFC 2986 §4), over Buffers: it
 * finds the bytes CreateCertificate needs (the signed CertificationRequestInfo, the RSA key, the
 * signature and the subjectAltName URIs) without building an object tree. Workload CSRs arrive
 * every rotation from every workload, so this is the signing hot path; anything it does not
 * recognise (other signature algorithms, odd encodings) returns `undefined` and the caller falls
 * back to node-forge's full parser.
 */

/** One DER element: its tag, the length of its tag and length octets, where its content starts and ends. */
export interface Tlv {
  tag: number;
  headerLength: number;
  start: number;
  end: number;
}

/** What a CSR holds that the CA uses. */
export interface CsrFields {
  /** The DER CertificationRequestInfo: the bytes the signature covers. */
  info: Buffer;
  /** `sha256` etc.: the hash of a PKCS#1 v1.5 signature. */
  digest: string;
  signature: Buffer;
  /** The key: `rsa` with its DER RSAPublicKey, modulus and exponent; or another algorithm. */
  key: { type: 'rsa'; der: Buffer; n: Buffer; e: Buffer } | { type: 'other' };
  /** subjectAltName entries: URIs as values, other kinds by name (`DNS:x`, `IP`, `email:x`, `type 0`). */
  altNames: Array<{ kind: 'uri' | 'dns' | 'email' | 'ip' | 'other'; value: string }>;
}

const OID = {
  rsaEncryption: '2a864886f70d010101',
  extensionRequest: '2a864886f70d01090e',
  subjectAltName: '551d11',
} as const;

/** PKCS#1 v1.5 signature algorithms (RFC 8017 Appendix A.2.4) → Node hash names. */
const SIGNATURE_DIGESTS: Readonly<Record<string, string>> = {
  '2a864886f70d01010b': 'sha256',
  '2a864886f70d01010c': 'sha384',
  '2a864886f70d01010d': 'sha512',
};

class DerError extends Error {}

/** Reads the element at `pos` (which must end by `limit`); throws on anything that is not DER this reader handles. */
export function readTlv(buf: Buffer, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerError('truncated');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in CSRs');
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const octets = len & 0x7f;
    // No indefinite lengths in DER; four octets are far beyond MAX_CSR_BYTES.
    if (octets === 0 || octets > 3 || start + octets > limit) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < octets; i++) len = len * 256 + buf[start + i]!;
    start += octets;
  }
  const end = start + len;
  if (end > limit) throw new DerError('truncated');
  return { tag, headerLength: start - pos, start, end };
}

/** The elements inside a constructed element. */
export function childrenOf(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; ) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function expect(t: Tlv | undefined, tag: number): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return t;
}

const hex = (buf: Buffer, t: Tlv): string => buf.toString('hex', t.start, t.end);

function unsignedInteger(buf: Buffer, t: Tlv): Buffer {
  let s = t.start;
  while (s < t.end - 1 && buf[s] === 0) s++;
  return buf.subarray(s, t.end);
}

function altNamesOf(buf: Buffer, extnValue: Tlv): CsrFields['altNames'] {
  const names = expect(readTlv(buf, extnValue.start, extnValue.end), 0x30);
  return childrenOf(buf, names).map((n) => {
    const text = buf.toString('latin1', n.start, n.end);
    switch (n.tag) {
      case 0x86:
        return { kind: 'uri' as const, value: text };
      case 0x82:
        return { kind: 'dns' as const, value: text };
      case 0x81:
        return { kind: 'email' as const, value: text };
      case 0x87:
        return { kind: 'ip' as const, value: n.end - n.start === 4 ? [...buf.subarray(n.start, n.end)].join('.') : '?' };
      default:
        return { kind: 'other' as const, value: `type ${n.tag & 0x1f}` };
    }
  });
}

/** Reads a DER CSR; undefined when it is not one this reader handles (the caller then uses forge). */
export function readCsrDer(buf: Buffer): CsrFields | undefined {
  try {
    const outer = expect(readTlv(buf, 0, buf.length), 0x30);
    if (outer.end !== buf.length) return undefined;
    const [infoTlv, algTlv, sigTlv] = childrenOf(buf, outer);
    const info = expect(infoTlv, 0x30);
    const [version, subject, spki, attributes] = childrenOf(buf, info);
    expect(version, 0x02);
    expect(subject, 0x30);
    const [keyAlg, keyBits] = childrenOf(buf, expect(spki, 0x30));
    const keyOid = expect(childrenOf(buf, expect(keyAlg, 0x30))[0], 0x06);
    const bits = expect(keyBits, 0x03);
    if (bits.end - bits.start < 2 || buf[bits.start] !== 0) return undefined;
    let key: CsrFields['key'] = { type: 'other' };
    if (hex(buf, keyOid) === OID.rsaEncryption) {
      const rsa = expect(readTlv(buf, bits.start + 1, bits.end), 0x30);
      const [n, e] = childrenOf(buf, rsa);
      key = { type: 'rsa', der: buf.subarray(bits.start + 1, bits.end), n: unsignedInteger(buf, expect(n, 0x02)), e: unsignedInteger(buf, expect(e, 0x02)) };
    }
    const altNames: CsrFields['altNames'] = [];
    if (attributes) {
      for (const attr of childrenOf(buf, expect(attributes, 0xa0))) {
        const [type, values] = childrenOf(buf, expect(attr, 0x30));
        if (hex(buf, expect(type, 0x06)) !== OID.extensionRequest) continue;
        for (const exts of childrenOf(buf, expect(values, 0x31))) {
          for (const ext of childrenOf(buf, expect(exts, 0x30))) {
            const parts = childrenOf(buf, expect(ext, 0x30));
            if (hex(buf, expect(parts[0], 0x06)) !== OID.subjectAltName) continue;
            altNames.push(...altNamesOf(buf, expect(parts[parts.length - 1], 0x04)));
          }
        }
      }
    }
    const sigOid = expect(childrenOf(buf, expect(algTlv, 0x30))[0], 0x06);
    const digest = SIGNATURE_DIGESTS[hex(buf, sigOid)];
    const sig = expect(sigTlv, 0x03);
    if (!digest || sig.end - sig.start < 2 || buf[sig.start] !== 0) return undefined;
    return { info: buf.subarray(info.start - info.headerLength, info.end), digest, signature: buf.subarray(sig.start + 1, sig.end), key, altNames };
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}
