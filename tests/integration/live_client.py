#!/usr/bin/env python3
"""A WebSocket viewer for the integration tests (Debian's python3-websockets).

live_client.py URL OUT [HEADER...]: connects (each HEADER "Name: value" is sent with the
upgrade) and appends every message received to OUT, one per line, until killed. If the
upgrade is refused, writes "STATUS <code>" to OUT and exits 3.
"""
import asyncio
import sys

import websockets


async def main(url, out, headers):
    extra = [tuple(h.split(": ", 1)) for h in headers]
    try:
        async with websockets.connect(url, extra_headers=extra, max_size=64 << 20) as ws:
            with open(out, "a", encoding="utf-8") as f:
                f.write("CONNECTED\n")
                f.flush()
                async for message in ws:
                    f.write(message.replace("\n", " ") + "\n")
                    f.flush()
    except websockets.exceptions.ConnectionClosed:
        pass  # the relay went away: what arrived is in OUT
    except websockets.exceptions.InvalidStatusCode as e:
        with open(out, "a", encoding="utf-8") as f:
            f.write("STATUS %d\n" % e.status_code)
        sys.exit(3)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
