"""
Serves a file through a FIFO in small pieces, so that every read() of the
program on the other end returns less than it asked for, and lines arrive
cut at arbitrary places:

    python3 chunked-writer.py FIFO SOURCE CHUNK_BYTES DELAY_MS

Each time a reader opens the FIFO, SOURCE is written CHUNK_BYTES at a time
with DELAY_MS between pieces, then the FIFO is closed (the reader's EOF),
and the next reader is served half a second later. Runs until killed.
"""
import os
import sys
import time

fifo, source, chunk, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) / 1000
with open(source, 'rb') as f:
    content = f.read()

while True:
    fd = os.open(fifo, os.O_WRONLY)  # waits for a reader
    try:
        for at in range(0, len(content), chunk):
            os.write(fd, content[at:at + chunk])
            time.sleep(delay)
    except BrokenPipeError:
        pass  # the reader stopped early; serve the next one
    finally:
        os.close(fd)
    # Opening again at once would succeed while this reader is still draining
    # the FIFO, and it would never see its EOF (a writer is connected): give
    # it time to read the end and close before serving the next reader.
    time.sleep(0.5)
