//! Metadata taken out of an uploaded image before it is stored: a phone
//! photo's EXIF carries where it was taken (GPS), the device and its serial
//! number, and none of that belongs in a postmortem that is shared widely.
//!
//! Removed, without decoding or re-encoding a pixel (the compressed image
//! data is copied as it is):
//! - JPEG: the EXIF segment (APP1 `Exif`), XMP (APP1, also extended XMP),
//!   Photoshop/IPTC (APP13) and comments (COM). The EXIF orientation alone
//!   is written back, in a minimal EXIF of its own, so that a photo taken
//!   sideways is not shown sideways.
//! - PNG: the text chunks (`tEXt`, `zTXt`, `iTXt`), `eXIf` and `tIME`.
//! - WebP: the `EXIF` and `XMP ` chunks, and their flags in `VP8X`.
//!
//! Kept: colour profiles (ICC) and everything needed to draw the image.
//! GIF has no such metadata and is kept as it is.
//!
//! The containers are read and written by the pinned `img-parts` crate
//! (also used for this by image services; it keeps a JPEG's multi-picture
//! (MPF) offsets right when the EXIF segment changes). What it cannot read
//! is kept as uploaded: the upload was already recognised as an image by
//! its bytes, and a damaged container is no reason to refuse a screenshot.
//! An image with nothing to remove is kept byte for byte.

use casebook_core::image::ImageKind;
use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{WebP, CHUNK_EXIF, CHUNK_VP8X, CHUNK_XMP};
use img_parts::{Bytes, ImageEXIF};

/// The start of an APP1 segment holding XMP, and of one holding the rest
/// of an XMP packet too large for one segment.
const XMP_PREFIXES: [&[u8]; 2] = [
    b"http://ns.adobe.com/xap/1.0/\0",
    b"http://ns.adobe.com/xmp/extension/\0",
];

/// The PNG chunks that carry text, EXIF or a time.
const PNG_METADATA: [[u8; 4]; 5] = [*b"tEXt", *b"zTXt", *b"iTXt", *b"eXIf", *b"tIME"];

/// The bits of a `VP8X` chunk's first byte that say EXIF and XMP follow.
const VP8X_EXIF_XMP: u8 = 0b0000_1100;

/// `bytes` without their metadata (see the module's documentation).
pub fn strip_metadata(kind: ImageKind, bytes: Bytes) -> Bytes {
    let stripped = match kind {
        ImageKind::Jpeg => strip_jpeg(bytes.clone()),
        ImageKind::Png => strip_png(bytes.clone()),
        ImageKind::Webp => strip_webp(bytes.clone()),
        ImageKind::Gif => None,
    };
    stripped.unwrap_or(bytes)
}

/// A JPEG without its metadata; `None` when there is none or it does not parse.
fn strip_jpeg(bytes: Bytes) -> Option<Bytes> {
    let mut jpeg = Jpeg::from_bytes(bytes).ok()?;
    let orientation = jpeg.exif().and_then(|tiff| orientation(&tiff));
    let had_exif = jpeg.exif().is_some();
    let before = jpeg.segments().len();
    jpeg.segments_mut().retain(|segment| {
        let contents = segment.contents();
        match segment.marker() {
            markers::APP1 => !XMP_PREFIXES.iter().any(|p| contents.starts_with(p)),
            markers::APP13 | markers::COM => false,
            _ => true,
        }
    });
    if !had_exif && jpeg.segments().len() == before {
        return None;
    }
    jpeg.set_exif(orientation.filter(|o| *o != 1).map(orientation_exif));
    Some(jpeg.encoder().bytes())
}

/// A PNG without its metadata chunks; `None` when it has none or does not parse.
fn strip_png(bytes: Bytes) -> Option<Bytes> {
    let mut png = Png::from_bytes(bytes).ok()?;
    let before = png.chunks().len();
    png.chunks_mut()
        .retain(|chunk| !PNG_METADATA.contains(&chunk.kind()));
    (png.chunks().len() != before).then(|| png.encoder().bytes())
}

/// A WebP without its EXIF and XMP; `None` when it has none or does not parse.
fn strip_webp(bytes: Bytes) -> Option<Bytes> {
    let mut webp = WebP::from_bytes(bytes).ok()?;
    let before = webp.chunks().len();
    webp.chunks_mut()
        .retain(|chunk| chunk.id() != CHUNK_EXIF && chunk.id() != CHUNK_XMP);
    if webp.chunks().len() == before {
        return None;
    }
    for chunk in webp.chunks_mut().iter_mut() {
        if chunk.id() != CHUNK_VP8X {
            continue;
        }
        let Some(data) = chunk.content().data().filter(|d| !d.is_empty()) else {
            continue;
        };
        let mut flags = data.to_vec();
        flags[0] &= !VP8X_EXIF_XMP;
        *chunk = RiffChunk::new(CHUNK_VP8X, RiffContent::Data(Bytes::from(flags)));
    }
    Some(webp.encoder().bytes())
}

/// The EXIF orientation (1 to 8) in `tiff`, EXIF's TIFF structure: IFD0's
/// tag 0x0112, a SHORT. `None` when absent or out of range; any offset or
/// length that points outside `tiff` reads as absent.
pub fn orientation(tiff: &[u8]) -> Option<u16> {
    let big_endian = match tiff.get(..4)? {
        [b'M', b'M', 0, 42] => true,
        [b'I', b'I', 42, 0] => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|i| {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        let (tag, kind, n) = (u16_at(entry)?, u16_at(entry + 2)?, u32_at(entry + 4)?);
        let value = u16_at(entry + 8)?;
        (tag == 0x0112 && kind == 3 && n == 1 && (1..=8).contains(&value)).then_some(value)
    })
}

/// A minimal EXIF (its TIFF structure, big-endian) holding only an
/// orientation.
pub fn orientation_exif(orientation: u16) -> Bytes {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes()); // IFD0 right after the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // the value's field is four bytes
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    Bytes::from(tiff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_orientation_written_is_the_orientation_read() {
        for o in 1..=8 {
            assert_eq!(orientation(&orientation_exif(o)), Some(o));
        }
        let mut little = orientation_exif(6).to_vec();
        little[..4].copy_from_slice(b"II\x2a\0");
        assert_eq!(orientation(&little), None, "the bytes are big-endian");
    }

    #[test]
    fn a_damaged_exif_reads_as_no_orientation_and_never_panics() {
        let good = orientation_exif(6);
        for cut in 0..good.len() {
            let _ = orientation(&good[..cut]);
        }
        let mut far = good.to_vec();
        far[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(orientation(&far), None);
        let mut many = good.to_vec();
        many[8..10].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(
            orientation(&many),
            Some(6),
            "entries past the end are not read"
        );
        // Every byte changed in turn, to every value: no panic.
        for at in 0..good.len() {
            for value in 0..=255u8 {
                let mut bytes = good.to_vec();
                bytes[at] = value;
                let _ = orientation(&bytes);
            }
        }
    }

    #[test]
    fn a_gif_or_an_unreadable_container_is_kept_as_it_is() {
        let junk = Bytes::from_static(b"\xff\xd8\xff\xe0 not really a jpeg");
        assert_eq!(strip_metadata(ImageKind::Jpeg, junk.clone()), junk);
        let gif = Bytes::from_static(b"GIF89a\x01\x00\x01\x00");
        assert_eq!(strip_metadata(ImageKind::Gif, gif.clone()), gif);
    }

    /// A 1×1 PNG and a 1×1 lossless WebP, as a screenshot tool writes them.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0xd, 0xa, 0x1a, 0xa, 0x0, 0x0, 0x0, 0xd, 0x49, 0x48, 0x44, 0x52,
        0x0, 0x0, 0x0, 0x1, 0x0, 0x0, 0x0, 0x1, 0x8, 0x6, 0x0, 0x0, 0x0, 0x1f, 0x15, 0xc4, 0x89,
        0x0, 0x0, 0x0, 0xd, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0xf8, 0xcf, 0x50, 0xf,
        0x0, 0x3, 0x86, 0x1, 0x80, 0x5a, 0x34, 0x7d, 0x6b, 0x0, 0x0, 0x0, 0x0, 0x49, 0x45, 0x4e,
        0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    const WEBP: &[u8] = &[
        0x52, 0x49, 0x46, 0x46, 0x1a, 0x0, 0x0, 0x0, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38,
        0x4c, 0xd, 0x0, 0x0, 0x0, 0x2f, 0x0, 0x0, 0x0, 0x10, 0x7, 0x10, 0x11, 0x11, 0x88, 0x88,
        0xfe, 0x7, 0x0,
    ];

    #[test]
    fn a_png_loses_its_text_exif_and_time_chunks_and_keeps_the_rest() {
        use img_parts::png::PngChunk;
        let mut png = Png::from_bytes(Bytes::from_static(PNG)).unwrap();
        for (at, kind, text) in [
            (1, *b"tEXt", &b"Comment\0taken at home"[..]),
            (1, *b"eXIf", b"MM\0\x2a\0\0\0\x08\0\0"),
            (1, *b"tIME", b"\x07\xea\x0b\x02\x03\x0e\x0f"),
            (1, *b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>"),
        ] {
            png.chunks_mut()
                .insert(at, PngChunk::new(kind, Bytes::from_static(text)));
        }
        let tagged = png.encoder().bytes();
        let stripped = strip_metadata(ImageKind::Png, tagged);
        assert_eq!(
            stripped.as_ref(),
            PNG,
            "exactly the image without its metadata"
        );
        let plain = Bytes::from_static(PNG);
        assert_eq!(strip_metadata(ImageKind::Png, plain.clone()), plain);
    }

    #[test]
    fn a_webp_loses_its_exif_and_xmp_and_their_flags() {
        let mut webp = WebP::from_bytes(Bytes::from_static(WEBP)).unwrap();
        webp.set_exif(Some(orientation_exif(6)));
        webp.chunks_mut().push(RiffChunk::new(
            CHUNK_XMP,
            RiffContent::Data(Bytes::from_static(b"<x:xmpmeta/>")),
        ));
        let tagged = webp.encoder().bytes();
        let stripped = WebP::from_bytes(strip_metadata(ImageKind::Webp, tagged)).unwrap();
        let ids: Vec<[u8; 4]> = stripped.chunks().iter().map(|c| c.id()).collect();
        assert!(
            !ids.contains(&CHUNK_EXIF) && !ids.contains(&CHUNK_XMP),
            "{ids:?}"
        );
        if let Some(vp8x) = stripped.chunk_by_id(CHUNK_VP8X) {
            let flags = vp8x.content().data().unwrap()[0];
            assert_eq!(flags & VP8X_EXIF_XMP, 0, "no flag names what is gone");
        }
        assert!(stripped.chunk_by_id(img_parts::webp::CHUNK_VP8L).is_some());
    }
}
