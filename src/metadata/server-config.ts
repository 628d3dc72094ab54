/**
 * The built-in metadata server's configuration: nginx (Debian package `nginx-light`, or
 * `nginx`), one per network, in the network's namespace. nginx because the client must be told
 * apart by its source address alone, and nginx takes a variable in `root`: with
 * `root <by-ip>/$remote_addr` each client reads only the tree linked under its own address,
 * and adding, changing or removing a port only re-points a link — the server is not signalled
 * at all. (haproxy serves no files; busybox httpd has one document root and no per-client
 * one; a per-port config of either would need a reload per port.)
 *
 * A directory's listing is the file `DIR_INDEX` in it (tree.ts), answered for the directory's
 * URL with or without the trailing slash; anything else a client may not read is 404 (PUT, as
 * IMDSv2's token request, gets 405, on which cloud-init falls back to IMDSv1 off AWS).
 */
import { DIR_INDEX } from './tree';

export interface ServerConfigInput {
  readonly networkId: string;
  /** `<metadata dir>/by-ip`: the client's root is `<byIpDir>/<its address>`. */
  readonly byIpDir: string;
  /** Address:port lines to listen on, e.g. `169.254.169.254:80`. */
  readonly listen: readonly string[];
  readonly pidFile: string;
  readonly errorLog: string;
  /**
   * nginx's one temporary directory (request bodies; unused here, but nginx makes it at start and
   * gives it to the workers): its parent must exist, it must be no other program's.
   */
  readonly tempDir: string;
  /** The workers' user and group: the only ones besides root who may read the trees. */
  readonly user: string;
  readonly group: string;
}

/** The config file (values are paths the agent derived from validated ids, and fixed addresses). */
export function renderServerConfig(i: ServerConfigInput): string {
  return [
    `# cdktf-dhcp-agent: built-in metadata server of network ${i.networkId}; generated, do not edit.`,
    `user ${i.user} ${i.group};`,
    'worker_processes 1;',
    `pid ${i.pidFile};`,
    `error_log ${i.errorLog} warn;`,
    'events { worker_connections 512; }',
    'http {',
    '    access_log off;',
    '    server_tokens off;',
    '    default_type text/plain;',
    '    types { application/json json; }',
    `    client_body_temp_path ${i.tempDir};`,
    `    proxy_temp_path ${i.tempDir};`,
    `    fastcgi_temp_path ${i.tempDir};`,
    `    uwsgi_temp_path ${i.tempDir};`,
    `    scgi_temp_path ${i.tempDir};`,
    '    server {',
    ...i.listen.map((l) => `        listen ${l};`),
    // The client's own tree, and nobody else's: an address that is no port's has no directory (404).
    `        root ${i.byIpDir}/$remote_addr;`,
    '        autoindex off;',
    '        absolute_redirect off;',
    '        location / {',
    `            try_files $uri/${DIR_INDEX} $uri =404;`,
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}
