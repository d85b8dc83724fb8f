/**
 * Throw-away PKI for a test control plane, made with openssl: a CA, the API server's serving certificate
 * (127.0.0.1 / localhost), an admin client certificate in group system:masters, and the service-account key pair.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A key and a certificate `<name>.crt` for `subj`, signed by the CA in `dir` with the given extensions file. */
function signLeaf(dir: string, name: string, subj: string, ext: string): void {
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj],
    dir,
  );
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      ext,
    ]),
    dir,
  );
}

/** A client certificate for `user` (CN) in `groups` (O), signed by the PKI's CA; returns [cert, key] paths. */
export function makeClientCert(dir: string, user: string, groups: string[] = []): [string, string] {
  const name = `user-${user.replace(/[^a-zA-Z0-9-]/g, '_')}`;
  signLeaf(dir, name, `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`, 'client.ext');
  return [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
}

export function makePki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true });
  const p = (f: string) => path.join(dir, f);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=nanoclaw-test-ca',
    ],
    dir,
  );
  fs.writeFileSync(
    p('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\n',
  );
  fs.writeFileSync(
    p('client.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  signLeaf(dir, 'server', '/CN=kube-apiserver', 'server.ext');
  signLeaf(dir, 'admin', '/O=system:masters/CN=nanoclaw-test-admin', 'client.ext');
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}
