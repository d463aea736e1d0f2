#!/usr/bin/env bash
# Makes the scanned variants of text fixtures, reproducibly: fixtures/scan-*/ and fixtures/fax-*/
# each hold an image (or image-only / mixed PDF) made from a text fixture's PDF, and a copy of
# that fixture's expected.json: a scan must give the same contract fields as its text version.
# Needs: poppler-utils (pdftoppm), imagemagick, qpdf; run after editing a source fixture.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --example make_fixture
maker=target/debug/examples/make_fixture
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# render FIXTURE DPI: grayscale PNG pages in $tmp/FIXTURE-N.png
render() { pdftoppm -r "$2" -gray -png "fixtures/$1/input.pdf" "$tmp/$1"; }
# out NAME FROM: a fresh fixture dir with the text version's expectations
out() { rm -rf "fixtures/$1"; mkdir -p "fixtures/$1"; cp "fixtures/$2/expected.json" "fixtures/$1/"; echo "$2" > "fixtures/$1/from.txt"; }
# A photo-like office scan: slight rotation, uneven light, noise (seeded), JPEG artefacts.
scanlike() { # IN OUT ANGLE
  convert "$1" -background white -rotate "$3" -seed 7 -attenuate 0.25 +noise Gaussian \
    \( +clone -sparse-color Barycentric '0,0 gray(255) %w,%h gray(225)' \) -compose Multiply -composite \
    -colorspace Gray -quality 70 "$2"
}

# 1. PNG scan at 200 dpi, rotated 1.5 degrees.
render pa-hmo-letter 200; out scan-pa-hmo-letter pa-hmo-letter
convert "$tmp/pa-hmo-letter-1.png" -background white -rotate 1.5 -blur 0x0.4 -colorspace Gray -depth 8 -define png:compression-level=9 fixtures/scan-pa-hmo-letter/input.png

# 2. JPEG office scan (blur, uneven light, artefacts), 200 dpi, rotated -0.8 degrees.
render eligibility-eob 200; out scan-eligibility-eob eligibility-eob
convert "$tmp/eligibility-eob-1.png" -blur 0x0.5 "$tmp/e.png"; scanlike "$tmp/e.png" fixtures/scan-eligibility-eob/input.jpg -0.8

# 3. Fax, fine mode: 1-bit CCITT G4 TIFF at 204x196 dpi.
render referral-pos-letter 300; out fax-referral-pos-letter referral-pos-letter
convert "$tmp/referral-pos-letter-1.png" -resize 68%x65.33% -threshold 55% -units PixelsPerInch -density 204x196 -compress Group4 fixtures/fax-referral-pos-letter/input.tif

# 4. Fax, standard mode: 1-bit G4 TIFF at 204x98 dpi (half the vertical resolution).
render missing-doc-letter 300; out fax-missing-doc-letter missing-doc-letter
convert "$tmp/missing-doc-letter-1.png" -resize 68%x32.67% -threshold 55% -units PixelsPerInch -density 204x98 -compress Group4 fixtures/fax-missing-doc-letter/input.tif

# 5. Multi-page TIFF (LZW grayscale, 200 dpi): a two-page notice with taglines.
render mn-ppo-letter 200; out scan-mn-ppo-letter mn-ppo-letter
convert "$tmp/mn-ppo-letter-1.png" "$tmp/mn-ppo-letter-2.png" -units PixelsPerInch -density 200 -compress lzw fixtures/scan-mn-ppo-letter/input.tif

# 6. Image-only PDF, as a scanner makes it (one JPEG per page, 200 dpi).
render notcovered-letter 200; out scan-notcovered-letter notcovered-letter
scanlike "$tmp/notcovered-letter-1.png" "$tmp/n1.jpg" 0.6
"$maker" jpeg-pdf 200 fixtures/scan-notcovered-letter/input.pdf "$tmp/n1.jpg"

# 7. Mixed PDF: page 1 keeps its text layer, page 2 is a scan.

out mixed-mn-ppo-letter mn-ppo-letter
convert "$tmp/mn-ppo-letter-2.png" -quality 70 "$tmp/m2.jpg"
"$maker" jpeg-pdf 200 "$tmp/m2.pdf" "$tmp/m2.jpg"
qpdf --empty --pages fixtures/mn-ppo-letter/input.pdf 1 "$tmp/m2.pdf" 1 -- fixtures/mixed-mn-ppo-letter/input.pdf

# 8. A page fed upside down (PNG, 200 dpi).
render pa-eob-table 200; out scan-upside-down-pa-eob-table pa-eob-table
convert "$tmp/pa-eob-table-1.png" -rotate 180 -define png:compression-level=9 fixtures/scan-upside-down-pa-eob-table/input.png

# 9. JPEG, rotated 2.5 degrees.
render timely-letter 200; out scan-timely-letter timely-letter
scanlike "$tmp/timely-letter-1.png" fixtures/scan-timely-letter/input.jpg 2.5

# 10. Standard fax of a provider remittance (tables).
render coding-remit 300; out fax-coding-remit coding-remit
convert "$tmp/coding-remit-1.png" -resize 68%x32.67% -threshold 55% -units PixelsPerInch -density 204x98 -compress Group4 fixtures/fax-coding-remit/input.tif

# 11. Low resolution (150 dpi) phone-style capture with noise.
render medicaid-appeal-decision 150; out scan-medicaid-appeal-decision medicaid-appeal-decision
scanlike "$tmp/medicaid-appeal-decision-1.png" fixtures/scan-medicaid-appeal-decision/input.jpg 0.9

# 12. Two-page Medicare Summary Notice as a scanner PDF.
render notcovered-msn 200; out scan-notcovered-msn notcovered-msn
scanlike "$tmp/notcovered-msn-1.png" "$tmp/msn1.jpg" 0.4; scanlike "$tmp/notcovered-msn-2.png" "$tmp/msn2.jpg" -0.5
"$maker" jpeg-pdf 200 fixtures/scan-notcovered-msn/input.pdf "$tmp/msn1.jpg" "$tmp/msn2.jpg"

# 13. JPEG scan of an EOB with a bordered table.
render duplicate-eob 200; out scan-duplicate-eob duplicate-eob
scanlike "$tmp/duplicate-eob-1.png" fixtures/scan-duplicate-eob/input.jpg -1.2

# 14. Fine fax of a browser-printed letter.
render benefit-limit-letter 300; out fax-benefit-limit-letter benefit-limit-letter
convert "$tmp/benefit-limit-letter-1.png" -resize 68%x65.33% -threshold 55% -units PixelsPerInch -density 204x196 -compress Group4 fixtures/fax-benefit-limit-letter/input.tif

# 15. 300 dpi PNG, rotated -2 degrees.
render cob-letter 300; out scan-cob-letter cob-letter
convert "$tmp/cob-letter-1.png" -background white -rotate -2 -colorspace Gray -depth 8 -define png:compression-level=9 fixtures/scan-cob-letter/input.png

# 16. Phone photos of a two-page EOB, one JPEG per page (page-1.jpg, page-2.jpg: read as one
# document by `overturn parse page-1.jpg page-2.jpg`): a slight keystone from holding the phone
# at an angle, a shadow across the page, and the 72 dpi phones write into the file.
render multi-claim-ppo-eob 200; out photo-multi-claim-ppo-eob multi-claim-ppo-eob
for n in 1 2; do
  convert "$tmp/multi-claim-ppo-eob-$n.png" -background white -virtual-pixel white \
    -distort Perspective '0,0 18,12  %[fx:w-1],0 %[fx:w-10],0  0,%[fx:h-1] 0,%[fx:h-1]  %[fx:w-1],%[fx:h-1] %[fx:w-22],%[fx:h-8]' \
    \( +clone -sparse-color Barycentric '0,0 gray(235) %w,%h gray(255)' \) -compose Multiply -composite \
    -seed 11 -attenuate 0.2 +noise Gaussian -colorspace Gray -units PixelsPerInch -density 72 -quality 80 \
    "fixtures/photo-multi-claim-ppo-eob/page-$n.jpg"
done

# 17. Phone photos of a two-page letter lying on a dark desk (page-1.jpg, page-2.jpg): each
# page a quadrilateral inside the frame (perspective, turned 3 degrees), a shadow falling
# across it, colour JPEG at the 72 dpi phones write: overturn finds the page's corners and
# straightens it.
render two-column-header-letter 150; out photo-desk-two-column-letter two-column-header-letter
for n in 1 2; do
  convert "$tmp/two-column-header-letter-$n.png" -bordercolor '#3b2f25' -border 140 \
    -virtual-pixel background -background '#3b2f25' \
    -distort Perspective '0,0 40,10  %[fx:w-1],0 %[fx:w-20],60  0,%[fx:h-1] 10,%[fx:h-40]  %[fx:w-1],%[fx:h-1] %[fx:w-60],%[fx:h-1]' \
    -rotate 3 \
    \( +clone -sparse-color Barycentric '0,0 gray(150) %w,0 gray(255) 0,%h gray(200) %w,%h gray(255)' \) -compose Multiply -composite \
    -seed 17 -attenuate 0.3 +noise Gaussian -units PixelsPerInch -density 72 -quality 82 \
    "fixtures/photo-desk-two-column-letter/page-$n.jpg"
done

# 18. A scanner PDF of a two-page remittance with grey-shaded rows, the shading deepened and
# the light uneven (JPEG pages, 200 dpi): a global threshold loses the shaded rows' type.
render multi-claim-remit-pdf 200; out scan-shaded-multi-claim-remit multi-claim-remit-pdf
for n in 1 2; do
  convert "$tmp/multi-claim-remit-pdf-$n.png" -level 12%,100% "$tmp/r$n.png"
  scanlike "$tmp/r$n.png" "$tmp/r$n.jpg" 1.1
done
"$maker" jpeg-pdf 200 fixtures/scan-shaded-multi-claim-remit/input.pdf "$tmp/r1.jpg" "$tmp/r2.jpg"

# 19. A letter in Spanish, scanned as a JPEG at 200 dpi and turned 1 degree: read with the default
# (English) OCR, then again in Spanish and English once the text shows it is Spanish.
render spanish-oon-epo-letter 200; out scan-spanish-oon-epo-letter spanish-oon-epo-letter
scanlike "$tmp/spanish-oon-epo-letter-1.png" fixtures/scan-spanish-oon-epo-letter/input.jpg 1.0

# 20. A letter scanned on its side (a portrait page in a landscape scan, JPEG, 200 dpi): the
# lines run down the image; overturn turns the page before reading it.
render experimental-letter 200; out scan-sideways-experimental-letter experimental-letter
scanlike "$tmp/experimental-letter-1.png" "$tmp/x.jpg" 0.7
convert "$tmp/x.jpg" -rotate -90 -quality 80 fixtures/scan-sideways-experimental-letter/input.jpg

# 21. A phone photo as phones store it: the sensor's pixels on their side and an EXIF
# Orientation of 6 (turn 90 degrees clockwise to view), a slight keystone and shadow, 72 dpi.
render oon-eob 200; out photo-exif-oon-eob oon-eob
convert "$tmp/oon-eob-1.png" -background white -virtual-pixel white \
  -distort Perspective '0,0 12,8  %[fx:w-1],0 %[fx:w-14],0  0,%[fx:h-1] 0,%[fx:h-1]  %[fx:w-1],%[fx:h-1] %[fx:w-18],%[fx:h-6]' \
  \( +clone -sparse-color Barycentric '0,0 gray(240) %w,%h gray(255)' \) -compose Multiply -composite \
  -seed 23 -attenuate 0.2 +noise Gaussian -colorspace Gray -rotate -90 -units PixelsPerInch -density 72 -quality 80 \
  "$tmp/o.jpg"
"$maker" exif-orientation 6 "$tmp/o.jpg" fixtures/photo-exif-oon-eob/page-1.jpg

# 22. A letter whose logo is a light, thin italic wordmark over a tinted leaf, its subtitle
# letter-spaced (JPEG office scan, 200 dpi, turned 0.5 degrees): OCR reads the logo badly or
# not at all, and the plan's name comes from the letter's own sentences.
render wordmark-logo-letter 200; out scan-wordmark-logo-letter wordmark-logo-letter
scanlike "$tmp/wordmark-logo-letter-1.png" fixtures/scan-wordmark-logo-letter/input.jpg 0.5

ls -la fixtures/scan-* fixtures/fax-* fixtures/mixed-* fixtures/photo-* | grep -E "input|page-"
