"""Photo-like test pictures, generated and seeded (nothing is downloaded): the
audit's pictures post and the pictures benchmark use the same ones."""

import random

from PIL import Image

WIDTH, HEIGHT = 4000, 3000  # 12 megapixels, as a phone camera takes them
# EXIF GPS (IFD 0x8825): a place the build must strip from every variant.
GPS = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (13.0, 24.0, 2.5)}


def photo(seed):
    """A photo-like picture: smooth shapes at three scales, then fine grain, so
    it compresses like a camera photo (about 2 MB at q90), not like noise."""
    rng = random.Random(seed)

    def noise(w, h):
        return Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))

    image = noise(12, 9).resize((1000, 750), Image.Resampling.BICUBIC)
    image = Image.blend(image, noise(60, 45).resize((1000, 750), Image.Resampling.BICUBIC), 0.35)
    image = Image.blend(image, noise(250, 188).resize((1000, 750), Image.Resampling.BICUBIC), 0.15)
    image = image.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    return Image.blend(image, noise(WIDTH, HEIGHT), 0.04)


def exif_with_gps():
    exif = Image.Exif()
    exif.get_ifd(0x8825).update(GPS)
    return exif
