/**
 * Debian's nginx as a reverse proxy in front of an app, configured as the README's "Proxies and
 * load balancers" section says, run in the foreground from a temporary prefix.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../../helpers/servers.js'
import { until } from '../../helpers/wait.js'

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx'

/** A running nginx. */
export interface Nginx {
  url: string
  /** nginx's error log so far (upstream failures are logged there). */
  errorLog(): string
  stop(): Promise<void>
}

/** Starts nginx on a free port, proxying everything to `127.0.0.1:upstreamPort`. */
export async function startNginx(dir: string, upstreamPort: number): Promise<Nginx> {
  const port = await freePort()
  mkdirSync(join(dir, 'logs'), { recursive: true })
  const errorLog = join(dir, 'logs', 'error.log')
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection '';
      proxy_read_timeout 1h;
    }
  }
}
`,
  )
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  await until(
    () =>
      fetch(url).then(
        () => true,
        () => false,
      ),
    10_000,
    'nginx listening',
  )
  return {
    url,
    errorLog: () => readFileSync(errorLog, 'utf8'),
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}
