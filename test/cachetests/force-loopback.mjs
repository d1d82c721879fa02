// Loaded with `node --import` before the cache-tests origin: its server
// calls listen(port) without a host, which would bind every interface.
// Any listen that names no host is pinned to 127.0.0.1 here.
import net from 'node:net'

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (first, ...rest) {
  const portOnly = typeof first === 'number' || (typeof first === 'string' && /^[0-9]+$/.test(first))
  if (portOnly && (rest.length === 0 || typeof rest[0] === 'function')) {
    return listen.call(this, first, '127.0.0.1', ...rest)
  }
  if (first !== null && typeof first === 'object' && !('host' in first) && !('path' in first)) {
    return listen.call(this, { ...first, host: '127.0.0.1' }, ...rest)
  }
  return listen.call(this, first, ...rest)
}
