#!/usr/bin/python3
"""HTTPS upload endpoint for the held-out split (aiohttp, Python's OpenSSL
binding): PUT/POST bodies are read and discarded, GET serves a small JSON.
Picks the certificate by SNI from the generator's PKI directory."""
import os
import ssl
import sys

from aiohttp import web


def main():
    port, pki = int(sys.argv[1]), sys.argv[2]
    ctxs = {}

    def ctx_for(domain):
        if domain not in ctxs:
            c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            c.load_cert_chain(f"{pki}/{domain}.crt", f"{pki}/{domain}.key")
            ctxs[domain] = c
        return ctxs[domain]

    base = ctx_for("localdomain.test")

    def sni(sock, name, _ctx):
        if not name:
            return
        parts = name.split(".")
        for cand in (".".join(parts[1:]), name):
            if os.path.exists(f"{pki}/{cand}.crt"):
                sock.context = ctx_for(cand)
                return

    base.sni_callback = sni

    async def upload(request):
        n = 0
        async for chunk in request.content.iter_chunked(65536):
            n += len(chunk)
        return web.json_response({"stored": n})

    async def hello(_request):
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=1 << 30)
    app.router.add_route("PUT", "/{tail:.*}", upload)
    app.router.add_route("POST", "/{tail:.*}", upload)
    app.router.add_route("GET", "/{tail:.*}", hello)
    web.run_app(app, host=["0.0.0.0", "::"], port=port, ssl_context=base, print=None)


if __name__ == "__main__":
    main()
