//! OCR stage, image preparation: one decoded page (any resolution, light, angle, surface)
//! in; a grayscale page on a flat white background at square pixels and a known resolution
//! out, with what was done and the lean of its lines. Each step was kept because it helped on the development set's scans,
//! faxes and photos (docs/performance.md, "Image preparation"), where what was measured and
//! dropped is written down too.

use image::imageops::FilterType;
use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};
use imageproc::point::Point;

use super::{MAX_PAGE_PIXELS, MIN_DPI, PageImage};

/// A US letter page's width in inches: what a photographed page is assumed to be when its
/// file gives no usable resolution (phones write 72 dpi whatever the distance).
const PAGE_WIDTH_IN: f32 = 8.5;
/// A background darker than this is a dark bar (white type on it), left as it is.
const DARK_BACKGROUND: u8 = 150;
/// The resolution a page with oblong pixels (a standard fax) is read at.
const OBLONG_DPI: f32 = 150.0;
/// Resolutions below this are not a scan's; the page's own width tells a better one.
const IMPLAUSIBLE_DPI: f32 = 100.0;

/// What was done to a page, for the text's notes and for measuring.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub image: GrayImage,
    /// Square pixels at this resolution.
    pub dpi: f32,
    /// The page was found inside a photo and straightened (perspective corrected).
    pub page_found: bool,
    /// Degrees the page's lines lean by (clockwise), to level the word boxes with.
    pub skew: f32,
    /// The resolution was estimated from the page's width.
    pub dpi_estimated: bool,
}

/// Prepares one page for OCR.
pub fn prepare(page: &PageImage) -> Prepared {
    let bilevel = is_bilevel(&page.image);
    let mut out = Prepared {
        image: page.image.clone(),
        dpi: page.dpi.0.max(page.dpi.1).max(1.0),
        ..Prepared::default()
    };
    let mut dpi = page.dpi;
    if bilevel {
        // A fax: lone specks from the line become dots and commas in the text.
        despeckle(&mut out.image);
    } else {
        if let Some((image, _)) = find_page(&out.image) {
            out.image = image;
            out.page_found = true;
        }
        // A photo's page (or a page image whose file gives no resolution) measured by its
        // width: the page is 8.5 inches wide.
        if out.page_found || dpi.0.max(dpi.1) < IMPLAUSIBLE_DPI {
            let estimate = out.image.width() as f32 / PAGE_WIDTH_IN;
            if (IMPLAUSIBLE_DPI..=1200.0).contains(&estimate) {
                dpi = (estimate, estimate);
                out.dpi_estimated = true;
            }
        }
        // Grey-shaded rows and boxes, uneven light and a photo's shadow become white: a
        // global threshold turns shaded rows' type into noise (measured: a remittance with
        // shaded rows lost its claims without this; docs/performance.md).
        flatten_background(&mut out.image, dpi.0.max(dpi.1));
    }
    let (image, dpi) = square_pixels(out.image, dpi);
    out.image = image;
    out.dpi = dpi;
    // The lean is measured, not undone: tesseract reads leaning lines well, and turning the
    // page would cost a third of a second; the word boxes are turned back instead
    // (`level_box`), which is what the layout stage needs to see rows.
    out.skew = skew_angle(&out.image, out.dpi).unwrap_or(0.0);
    out
}

/// A word box `(x0, y0, x1, y1)` on a page `size` pixels large whose lines lean by `skew`
/// degrees, moved to where it would be on the page levelled (turned about its centre); the
/// box keeps its size.
pub fn level_box(b: (f32, f32, f32, f32), size: (u32, u32), skew: f32) -> (f32, f32, f32, f32) {
    if skew == 0.0 {
        return b;
    }
    let (s, c) = skew.to_radians().sin_cos();
    let (mx, my) = (size.0 as f32 / 2.0, size.1 as f32 / 2.0);
    let (x, y) = ((b.0 + b.2) / 2.0 - mx, (b.1 + b.3) / 2.0 - my);
    let (lx, ly) = (x * c + y * s + mx, y * c - x * s + my);
    let (hw, hh) = ((b.2 - b.0) / 2.0, (b.3 - b.1) / 2.0);
    (lx - hw, ly - hh, lx + hw, ly + hh)
}

/// Every pixel black or white.
pub fn is_bilevel(img: &GrayImage) -> bool {
    img.as_raw().iter().all(|&v| v == 0 || v == 255)
}

/// Scales a page to square pixels and at least [`MIN_DPI`] (never down), or, when its pixels
/// are not square, to [`OBLONG_DPI`]; returns the page and its resolution.
fn square_pixels(image: GrayImage, dpi: (f32, f32)) -> (GrayImage, f32) {
    let (w, h) = image.dimensions();
    let (dx, dy) = (dpi.0.max(1.0), dpi.1.max(1.0));
    let oblong = (dx / dy - 1.0).abs() > 0.3;
    let res = if oblong {
        // A standard fax (204x98 dpi) read at 150x150, its finer axis scaled down and the
        // coarser up, in grey: measured on nine standard faxes, 82 % of fields right where
        // squaring it to 204x204 got 71 %, in less time (docs/performance.md).
        dx.max(dy).min(OBLONG_DPI).max(dx.min(dy))
    } else {
        dx.max(dy).max(MIN_DPI as f32)
    };
    // Scale each axis to the resolution (a 204x98 fax becomes 150x150; a square page below
    // MIN_DPI is scaled up).
    let sx = res / dx;
    let sy = res / dy;
    // Near-square pixels at a usable resolution (a 204x196 fine fax) go as they are: resampling
    // a bilevel page only blurs its edges, and OCR then runs slower for nothing.
    if (sx - 1.0).abs() < 0.1 && (sy - 1.0).abs() < 0.1 {
        return (image, dx.max(dy).round());
    }
    let nw = ((w as f32) * sx).round() as u32;
    let nh = ((h as f32) * sy).round() as u32;
    if u64::from(nw) * u64::from(nh) > MAX_PAGE_PIXELS {
        return (image, dx.max(dy).round());
    }
    let out = resize_triangle(&image, nw.max(1), nh.max(1));
    (out, res.round())
}

/// `image::imageops::resize(img, w, h, FilterType::Triangle)` for a grey page, byte for byte
/// (same weights, same order of f32 sums, same rounding): the library's generic version
/// works in four f32 channels through per-pixel accessors and took 0.2 s of a photo's page.
/// Columns first (into one f32 channel), then rows, as the library does.
fn resize_triangle(img: &GrayImage, nw: u32, nh: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || (nw, nh) == (w, h) {
        return image::imageops::resize(img, nw, nh, FilterType::Triangle);
    }
    let (w, h, nw, nh) = (w as usize, h as usize, nw as usize, nh as usize);
    let src = img.as_raw();
    // Columns: `nh` rows of `w` f32 samples.
    let mut tmp = vec![0f32; w * nh];
    let mut ws = Vec::new();
    for (outy, out_row) in tmp.chunks_exact_mut(w).enumerate() {
        let left = triangle_weights(outy, h, nh, &mut ws);
        for (i, &wt) in ws.iter().enumerate() {
            let row = &src[(left + i) * w..(left + i + 1) * w];
            for (t, &v) in out_row.iter_mut().zip(row) {
                *t += f32::from(v) * wt;
            }
        }
    }
    // Rows: each output column's weights once, applied down every row.
    let mut out = vec![0u8; nw * nh];
    let mut cols: Vec<(usize, Vec<f32>)> = Vec::with_capacity(nw);
    for outx in 0..nw {
        let left = triangle_weights(outx, w, nw, &mut ws);
        cols.push((left, ws.clone()));
    }
    for (row, out_row) in tmp.chunks_exact(w).zip(out.chunks_exact_mut(nw)) {
        for ((left, weights), o) in cols.iter().zip(out_row.iter_mut()) {
            let mut t = 0f32;
            for (&v, &wt) in row[*left..].iter().zip(weights) {
                t += v * wt;
            }
            *o = t.clamp(0.0, 255.0).round() as u8;
        }
    }
    GrayImage::from_raw(nw as u32, nh as u32, out)
        .unwrap_or_else(|| image::imageops::resize(img, nw as u32, nh as u32, FilterType::Triangle))
}

/// The normalised triangle-filter weights of output sample `out` of `new_len` taken from `len`
/// input samples, as `image` computes them; returns the first input sample they apply to.
fn triangle_weights(out: usize, len: usize, new_len: usize, ws: &mut Vec<f32>) -> usize {
    let ratio = len as f32 / new_len as f32;
    let sratio = if ratio < 1.0 { 1.0 } else { ratio };
    let src_support = sratio; // the triangle's support is 1
    let input = (out as f32 + 0.5) * ratio;
    let left = ((input - src_support).floor() as i64).clamp(0, len as i64 - 1);
    let right = ((input + src_support).ceil() as i64).clamp(left + 1, len as i64);
    let input = input - 0.5;
    ws.clear();
    let mut sum = 0.0;
    for i in left..right {
        let x = (i as f32 - input) / sratio;
        let wt = if x.abs() < 1.0 { 1.0 - x.abs() } else { 0.0 };
        ws.push(wt);
        sum += wt;
    }
    for wt in ws.iter_mut() {
        *wt /= sum;
    }
    left as usize
}

/// A copy of `img` whose longer side is about `side` pixels (each pixel the mean of a square
/// block), and the factor back to `img`.
fn small_copy(img: &GrayImage, side: u32) -> (GrayImage, f32) {
    let (w, h) = img.dimensions();
    let f = (w.max(h) / side.max(1)).max(1);
    if f == 1 {
        return (img.clone(), 1.0);
    }
    let (sw, sh) = (w.div_ceil(f), h.div_ceil(f));
    let mut sums = vec![0u32; sw as usize * sh as usize];
    let mut counts = vec![0u32; sw as usize * sh as usize];
    for (y, row) in img.as_raw().chunks_exact(w as usize).enumerate() {
        let base = (y as u32 / f) as usize * sw as usize;
        // Each run of `f` pixels of the row is one small pixel's share (no division a pixel).
        let cells = sums[base..base + sw as usize].iter_mut();
        for ((sum, n), run) in cells
            .zip(&mut counts[base..base + sw as usize])
            .zip(row.chunks(f as usize))
        {
            *sum += run.iter().map(|&v| u32::from(v)).sum::<u32>();
            *n += run.len() as u32;
        }
    }
    let raw = sums
        .iter()
        .zip(&counts)
        .map(|(s, n)| (s / (*n).max(1)) as u8)
        .collect();
    let small = GrayImage::from_raw(sw, sh, raw).unwrap_or_else(|| GrayImage::new(sw, sh));
    (small, f as f32)
}

/// A page photographed on a darker surface: finds the page's four corners and warps the page
/// to an upright rectangle. `None` when the page fills the frame (a scan) or no clear
/// quadrilateral stands out.
fn find_page(img: &GrayImage) -> Option<(GrayImage, [(f32, f32); 4])> {
    let (small, f) = small_copy(img, 600);
    let (sw, sh) = small.dimensions();
    if sw < 50 || sh < 50 {
        return None;
    }
    let mut level = imageproc::contrast::otsu_level(&small);
    // Otsu's level may be the brighter class's own value on a two-valued image.
    if !small.as_raw().iter().any(|&v| v > level) {
        level = level.saturating_sub(1);
    }
    // The frame's edge must be mostly background: a scan's page reaches its edges.
    let border: Vec<u8> = (0..sw)
        .flat_map(|x| [(x, 0), (x, sh - 1)])
        .chain((0..sh).flat_map(|y| [(0, y), (sw - 1, y)]))
        .map(|(x, y)| small.get_pixel(x, y)[0])
        .collect();
    let bright = border.iter().filter(|&&v| v > level).count();
    if bright * 2 > border.len() {
        return None;
    }
    // The background must be clearly darker than the page, not a page's own grey border.
    let page_mean = mean_above(&small, level)?;
    let back_mean = border.iter().map(|&v| f32::from(v)).sum::<f32>() / border.len() as f32;
    if page_mean - back_mean < 40.0 {
        return None;
    }
    let contours = imageproc::contours::find_contours_with_threshold::<i32>(&small, level);
    let outer = contours
        .iter()
        .filter(|c| c.border_type == imageproc::contours::BorderType::Outer)
        .max_by(|a, b| {
            let (x, y) = (area(&a.points), area(&b.points));
            x.total_cmp(&y)
        })?;
    let frame = f64::from(sw) * f64::from(sh);
    let a = area(&outer.points);
    if a < 0.25 * frame || a > 0.98 * frame {
        return None;
    }
    // The page's corners are the hull's extremes along the diagonals (a page photographed
    // turned by less than 45 degrees); the hull must be that quadrilateral, not a page cut
    // off by the frame or a shape of some other kind.
    let hull = imageproc::geometry::convex_hull(outer.points.clone());
    if hull.len() < 4 {
        return None;
    }
    let quad = order_corners(&hull, 1.0).map(|(x, y)| Point::new(x as i32, y as i32));
    if area(&quad) < 0.95 * area(&hull) {
        return None;
    }
    let corners = order_corners(&quad, f);
    let [tl, tr, br, bl] = corners;
    let dist = |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let w = dist(tl, tr).max(dist(bl, br)).round() as u32;
    let h = dist(tl, bl).max(dist(tr, br)).round() as u32;
    if w < 100 || h < 100 || u64::from(w) * u64::from(h) > MAX_PAGE_PIXELS {
        return None;
    }
    let (wf, hf) = (w as f32, h as f32);
    let projection =
        Projection::from_control_points(corners, [(0.0, 0.0), (wf, 0.0), (wf, hf), (0.0, hf)])?;
    let mut out = GrayImage::new(w, h);
    warp_into(
        img,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Luma([255])),
        &mut out,
    );
    Some((out, corners))
}

/// Mean of the pixels brighter than `level`.
fn mean_above(img: &GrayImage, level: u8) -> Option<f32> {
    let (sum, n) = img
        .as_raw()
        .iter()
        .filter(|&&v| v > level)
        .fold((0u64, 0u64), |(s, n), &v| (s + u64::from(v), n + 1));
    (n > 0).then(|| sum as f32 / n as f32)
}

fn area(points: &[Point<i32>]) -> f64 {
    imageproc::geometry::contour_area(points)
}

/// Top-left, top-right, bottom-right, bottom-left, scaled by `f`.
fn order_corners(quad: &[Point<i32>], f: f32) -> [(f32, f32); 4] {
    let p = |q: &Point<i32>| (q.x as f32 * f, q.y as f32 * f);
    let by = |key: &dyn Fn(&Point<i32>) -> i32, max: bool| {
        let it = quad.iter();
        let q = if max {
            it.max_by_key(|q| key(q))
        } else {
            it.min_by_key(|q| key(q))
        };
        q.map(p).unwrap_or((0.0, 0.0))
    };
    [
        by(&|q| q.x + q.y, false),
        by(&|q| q.x - q.y, true),
        by(&|q| q.x + q.y, true),
        by(&|q| q.x - q.y, false),
    ]
}

/// Divides the page by its own background (the local maximum of a small copy, smoothed):
/// uneven light, a shadow across a photo and shaded boxes become white, and text keeps its
/// contrast. Text is thinner than the window, so the maximum steps over it.
fn flatten_background(img: &mut GrayImage, dpi: f32) {
    // About 20 pixels an inch: a character is 2-3 pixels, a shaded box tens.
    let (w, h) = img.dimensions();
    let side = ((w.max(h) as f32) * 20.0 / dpi.max(1.0)).round() as u32;
    if side < 40 {
        return;
    }
    let (small, f) = small_copy(img, side);
    let background =
        imageproc::morphology::grayscale_dilate(&small, &imageproc::morphology::Mask::square(3));
    let background = imageproc::filter::gaussian_blur_f32(&background, 2.0);
    // The background at full size, bilinear between the small copy's pixel centres.
    let (sw, sh) = background.dimensions();
    let bg = |x: u32, y: u32| f32::from(background.get_pixel(x.min(sw - 1), y.min(sh - 1))[0]);
    let at = |p: u32, n: u32| {
        let s = ((p as f32 + 0.5) / f - 0.5).clamp(0.0, (n - 1) as f32);
        (s.floor() as u32, s.fract())
    };
    let columns: Vec<(u32, f32)> = (0..w).map(|x| at(x, sw)).collect();
    let mut row_bg = vec![0f32; sw as usize];
    for (y, row) in img.chunks_exact_mut(w as usize).enumerate() {
        let (sy, fy) = at(y as u32, sh);
        for (sx, b) in row_bg.iter_mut().enumerate() {
            let sx = sx as u32;
            *b = bg(sx, sy) * (1.0 - fy) + bg(sx, sy + 1) * fy;
        }
        for (v, &(sx, fx)) in row.iter_mut().zip(&columns) {
            let l = row_bg[sx as usize];
            let r = row_bg[(sx as usize + 1).min(sw as usize - 1)];
            let b = l * (1.0 - fx) + r * fx;
            // A dark background is a bar with white type on it, not light falling off:
            // dividing would wash the bar out to the type's grey.
            if b >= f32::from(DARK_BACKGROUND) {
                *v = (f32::from(*v) * 255.0 / b).min(255.0) as u8;
            }
        }
    }
}

/// The angle (degrees, clockwise positive) that the page's text lines lean by, from the
/// spread of dark pixels' row profile over trial angles; `None` when level (under a quarter
/// of a degree) or unclear.
fn skew_angle(img: &GrayImage, dpi: f32) -> Option<f32> {
    // About 60 pixels an inch is enough to see lines and cheap to sweep.
    let (w, h) = img.dimensions();
    let side = ((w.max(h) as f32) * 60.0 / dpi.max(1.0)).round() as u32;
    let (small, _) = small_copy(img, side.max(100));
    let level = imageproc::contrast::otsu_level(&small);
    let dark: Vec<(f32, f32)> = small
        .enumerate_pixels()
        .filter(|(_, _, p)| p[0] < level.min(160))
        .map(|(x, y, _)| (x as f32, y as f32))
        .collect();
    if dark.len() < 200 {
        return None;
    }
    let (sw, sh) = small.dimensions();
    let cx = sw as f32 / 2.0;
    let rows = (sw.max(sh) * 2) as usize;
    let score = |deg: f32| -> f64 {
        let (s, c) = deg.to_radians().sin_cos();
        let mut hist = vec![0u32; rows];
        for &(x, y) in &dark {
            // The row a pixel falls in once the page is turned back by `deg`.
            let r = y * c - (x - cx) * s + sw as f32 / 2.0;
            if let Some(b) = hist.get_mut(r.max(0.0) as usize) {
                *b += 1;
            }
        }
        hist.windows(2)
            .map(|p| (f64::from(p[1]) - f64::from(p[0])).powi(2))
            .sum()
    };
    let best = |from: f32, to: f32, step: f32| -> (f32, f64) {
        let mut best = (0.0, f64::MIN);
        let mut a = from;
        while a <= to + 1e-4 {
            let s = score(a);
            if s > best.1 {
                best = (a, s);
            }
            a += step;
        }
        best
    };
    let (coarse, _) = best(-5.0, 5.0, 0.5);
    let (fine, top) = best(coarse - 0.5, coarse + 0.5, 0.1);
    // A lean too small to matter, or a profile no sharper than level's: leave it.
    if fine.abs() < 0.25 || top <= score(0.0) * 1.02 {
        return None;
    }
    Some(fine)
}

/// Lines of type an orientation is judged from, at the least: a page with fewer (a cover
/// sheet's few large words) is left as it is.
const ORIENTATION_MIN_LINES: usize = 12;
/// How much more ink one side of the lines' x-height band must hold than the other.
const ORIENTATION_MARGIN: f64 = 1.5;

/// Which way to turn a prepared page, clockwise, so its type stands upright: 0, 90, 180 or
/// 270 degrees (as `image::imageops::rotate90` and the others turn); 0 when the page says
/// too little. A page on its side has its lines running down the page: strips across them
/// find little of its ink in lines of type, and the page turned a quarter at least twice as
/// much. Which way up is then told by the letters' shapes ([`TypeInk::upside_down`]).
pub fn orientation(p: &Prepared) -> u32 {
    // A copy at about 120 pixels an inch is enough to see the letters' parts, and cheap.
    let (w, h) = p.image.dimensions();
    let side = ((w.max(h) as f32) * 120.0 / p.dpi.max(1.0)).round() as u32;
    let (small, f) = small_copy(&p.image, side.max(100));
    let ppi = p.dpi.max(1.0) / f;
    let ink = TypeInk::measure(&small, ppi, p.skew);
    // (Upright, 0.3 to 0.99 of the ink is in lines; on its side, at most 0.34: measured on
    // the development set's 86 and the fixtures' 18 scanned, faxed and photographed pages.)
    if ink.in_lines() <= 0.5 {
        let side = image::imageops::rotate90(&small);
        let skew = skew_angle(&side, ppi).unwrap_or(0.0);
        let turned = TypeInk::measure(&side, ppi, skew);
        if turned.lines >= ORIENTATION_MIN_LINES
            && turned.in_lines() >= 0.3
            && turned.in_lines() >= 2.0 * ink.in_lines()
        {
            // Which of the two ways: the letters' shapes, however narrow the margin (a
            // guess either way, and the lines were clear).
            return if turned.below > turned.above { 270 } else { 90 };
        }
    }
    if ink.upside_down() == Some(true) {
        180
    } else {
        0
    }
}

/// A prepared page turned `degrees` clockwise (0, 90, 180 or 270), its lean measured again
/// when its lines change direction (turning a page over keeps their lean).
pub fn turn(mut p: Prepared, degrees: u32) -> Prepared {
    match degrees {
        90 | 270 => {
            p.image = if degrees == 90 {
                image::imageops::rotate90(&p.image)
            } else {
                image::imageops::rotate270(&p.image)
            };
            p.skew = skew_angle(&p.image, p.dpi).unwrap_or(0.0);
        }
        180 => image::imageops::rotate180_in_place(&mut p.image),
        _ => {}
    }
    p
}

/// The ink of a page's lines of type, as [`orientation`] weighs it: each column of the page
/// an inch wide on its own (so a two-column page's lines need not line up), rows counted
/// along the lines' lean.
#[derive(Debug, Default, Clone, Copy)]
struct TypeInk {
    /// Dark pixels above the lines' x-height bands.
    above: u64,
    /// Dark pixels below them.
    below: u64,
    /// Lines of type found (in strips an inch wide).
    lines: usize,
    /// Dark pixels in those lines.
    in_lines: u64,
    /// Dark pixels on the page.
    all: u64,
}

impl TypeInk {
    /// Which way up the type stands, judged from the letters' shapes: Latin type has more ink
    /// above its x-height band (capitals, ascenders, the dots of i and j) than below it (the
    /// descenders of g, j, p, q, y), so on a page turned over the lines' ink leans the other
    /// way. `Some(true)` upside down, `Some(false)` upright, `None` when the page holds too
    /// few lines of mixed-case type or the two sides are too close to tell.
    fn upside_down(&self) -> Option<bool> {
        if self.lines < ORIENTATION_MIN_LINES {
            return None;
        }
        let (above, below) = (self.above as f64 + 1.0, self.below as f64 + 1.0);
        if below > above * ORIENTATION_MARGIN {
            Some(true)
        } else if above > below * ORIENTATION_MARGIN {
            Some(false)
        } else {
            None
        }
    }

    /// The share of the page's ink in its lines of type.
    fn in_lines(&self) -> f64 {
        self.in_lines as f64 / self.all.max(1) as f64
    }

    /// Measures a page `ppi` pixels an inch whose lines lean by `skew` degrees.
    fn measure(small: &GrayImage, ppi: f32, skew: f32) -> TypeInk {
        // Otsu's level is the darker class's brightest value (0 on a fax's black and white).
        let level = imageproc::contrast::otsu_level(small).min(160);
        let (sw, sh) = small.dimensions();
        if sw == 0 || sh == 0 {
            return TypeInk::default();
        }
        // The heights a line of type can have: 6 to 30 points.
        let ppi = ppi.max(1.0);
        let (min_h, max_h) = (
            (ppi * 6.0 / 72.0).max(4.0) as usize,
            (ppi * 30.0 / 72.0) as usize,
        );
        let strip = (ppi.round() as u32).max(16);
        let strips = sw.div_ceil(strip) as usize;
        let rows = sh as usize + sw as usize;
        let tan = skew.to_radians().tan();
        let cx = sw as f32 / 2.0;
        // Each strip's row profile, rows counted along the lean (a shear is enough for a few
        // degrees), offset so no row is negative.
        let offset = (tan.abs() * cx).ceil() as usize + 1;
        let mut hist = vec![0u32; strips * (rows + 2 * offset)];
        let stride = rows + 2 * offset;
        // Per column: its strip's profile, and how far the lean moves its rows.
        let base: Vec<usize> = (0..sw).map(|x| (x / strip) as usize * stride).collect();
        let shift: Vec<f32> = (0..sw)
            .map(|x| offset as f32 - (x as f32 - cx) * tan)
            .collect();
        for (y, row) in small.as_raw().chunks_exact(sw as usize).enumerate() {
            for (x, &p) in row.iter().enumerate() {
                if p > level {
                    continue;
                }
                let r = ((y as f32 + shift[x]).max(0.0) as usize).min(stride - 1);
                if let Some(b) = hist.get_mut(base[x] + r) {
                    *b += 1;
                }
            }
        }
        let mut ink = TypeInk::default();
        for profile in hist.chunks(stride) {
            let mut r = 0;
            while r < profile.len() {
                if profile[r] == 0 {
                    r += 1;
                    continue;
                }
                let start = r;
                while r < profile.len() && profile[r] > 0 {
                    r += 1;
                }
                let run = &profile[start..r];
                if !(min_h..=max_h).contains(&run.len()) {
                    continue;
                }
                // The x-height band: the rows from the first to the last holding at least half
                // the densest row's ink.
                let peak = run.iter().copied().max().unwrap_or(0);
                let dense = |v: &u32| *v * 2 >= peak;
                let (Some(top), Some(bottom)) =
                    (run.iter().position(dense), run.iter().rposition(dense))
                else {
                    continue;
                };
                // A run with no band (a rule, a row of capitals or figures) says nothing.
                if bottom - top < 2 || (top == 0 && bottom == run.len() - 1) {
                    continue;
                }
                ink.above += run[..top].iter().map(|&v| u64::from(v)).sum::<u64>();
                ink.below += run[bottom + 1..].iter().map(|&v| u64::from(v)).sum::<u64>();
                ink.in_lines += run.iter().map(|&v| u64::from(v)).sum::<u64>();
                ink.lines += 1;
            }
        }
        ink.all = hist.iter().map(|&v| u64::from(v)).sum();
        ink
    }
}

/// Removes lone black pixels (no black neighbour): line noise on a fax. Anything larger may
/// be a period or the dot of an i.
fn despeckle(img: &mut GrayImage) {
    let (w, h) = img.dimensions();
    let mut clear = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if img.get_pixel(x, y)[0] != 0 {
                continue;
            }
            let lone = (y.saturating_sub(1)..=(y + 1).min(h - 1)).all(|py| {
                (x.saturating_sub(1)..=(x + 1).min(w - 1))
                    .all(|px| (px, py) == (x, y) || img.get_pixel(px, py)[0] != 0)
            });
            if lone {
                clear.push((x, y));
            }
        }
    }
    for (x, y) in clear {
        img.put_pixel(x, y, Luma([255]));
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn page(w: u32, h: u32) -> GrayImage {
        GrayImage::from_pixel(w, h, Luma([255]))
    }

    /// Black bars (text lines) across a white page, leaning by `deg`.
    fn lines(w: u32, h: u32, deg: f32) -> GrayImage {
        let mut img = page(w, h);
        let t = deg.to_radians().tan();
        for line in 0..(h / 40) {
            let y0 = 20 + line * 40;
            for x in 20..w - 20 {
                for dy in 0..8 {
                    let y = y0 as f32 + dy as f32 + (x as f32 - w as f32 / 2.0) * t;
                    if y >= 0.0 && (y as u32) < h && x % 13 != 0 {
                        img.put_pixel(x, y as u32, Luma([0]));
                    }
                }
            }
        }
        img
    }

    // A page with nothing to judge by (blank, a sliver, one pixel, none) is left as it is.
    #[test]
    fn a_page_without_lines_of_type_is_not_turned() {
        for (w, h) in [(0, 0), (1, 1), (1, 900), (1700, 2200)] {
            let p = Prepared {
                image: GrayImage::from_pixel(w, h, Luma([255])),
                dpi: 200.0,
                ..Prepared::default()
            };
            assert_eq!(orientation(&p), 0, "{w}x{h}");
        }
        // Ruled lines only (a form's empty grid): no type either.
        let mut grid = GrayImage::from_pixel(1700, 2200, Luma([255]));
        for y in (100..2100).step_by(60) {
            for x in 100..1600 {
                grid.put_pixel(x, y, Luma([0]));
            }
        }
        let p = Prepared {
            image: grid,
            dpi: 200.0,
            ..Prepared::default()
        };
        assert_eq!(orientation(&p), 0);
    }

    #[test]
    fn a_small_copy_is_the_mean_of_each_block() {
        let img = GrayImage::from_fn(103, 71, |x, y| Luma([((x * 37 + y * 11) % 256) as u8]));
        for side in [10, 34, 50, 103, 500] {
            let (small, f) = small_copy(&img, side);
            let f = f as u32;
            for (sx, sy, p) in small.enumerate_pixels() {
                // The block's pixels, cut at the image's right and bottom edges.
                let (mut sum, mut n) = (0u32, 0u32);
                for y in sy * f..((sy + 1) * f).min(71) {
                    for x in sx * f..((sx + 1) * f).min(103) {
                        sum += u32::from(img.get_pixel(x, y)[0]);
                        n += 1;
                    }
                }
                assert_eq!(u32::from(p[0]), sum / n, "side {side} at {sx},{sy}");
            }
        }
    }

    #[test]
    fn the_grey_resize_is_the_library_s_byte_for_byte() {
        // A page of noise, edges and flat runs: every weight and rounding case shows.
        let mut seed = 7u32;
        let img = GrayImage::from_fn(203, 157, |x, y| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            Luma([match (x / 20 + y / 15) % 3 {
                0 => (seed >> 24) as u8,
                1 => 255,
                _ => 0,
            }])
        });
        // Up, down, one axis each way (a standard fax), barely changed, to one pixel.
        for (nw, nh) in [
            (270, 209),
            (101, 80),
            (149, 240),
            (204, 157),
            (1, 1),
            (203, 1),
        ] {
            let ours = resize_triangle(&img, nw, nh);
            let theirs = image::imageops::resize(&img, nw, nh, FilterType::Triangle);
            assert_eq!(ours.dimensions(), theirs.dimensions());
            assert!(ours.as_raw() == theirs.as_raw(), "{nw}x{nh} differs");
        }
    }

    #[test]
    fn a_leaning_page_is_measured_and_a_level_one_left() {
        let a = skew_angle(&lines(1000, 1300, 2.0), 150.0).expect("leans");
        assert!((a - 2.0).abs() <= 0.2, "{a}");
        let a = skew_angle(&lines(1000, 1300, -1.2), 150.0).expect("leans");
        assert!((a + 1.2).abs() <= 0.2, "{a}");
        assert_eq!(skew_angle(&lines(1000, 1300, 0.0), 150.0), None);
        let p = prepare(&PageImage {
            image: lines(1000, 1300, 2.0),
            dpi: (150.0, 150.0),
        });
        assert!((p.skew - 2.0).abs() <= 0.2, "{}", p.skew);
    }

    #[test]
    fn word_boxes_on_a_leaning_line_are_levelled_into_one_row() {
        // Two words 800 pixels apart on a line leaning 2 degrees: 28 pixels lower at the right.
        let t = 2f32.to_radians().tan();
        let left = (100.0, 500.0, 200.0, 530.0);
        let right = (900.0, 500.0 + 800.0 * t, 1000.0, 530.0 + 800.0 * t);
        let (l, r) = (
            level_box(left, (1100, 1400), 2.0),
            level_box(right, (1100, 1400), 2.0),
        );
        assert!((l.1 - r.1).abs() < 1.0, "{l:?} {r:?}");
        assert!(((l.3 - l.1) - 30.0).abs() < 0.01, "the box keeps its size");
        assert_eq!(level_box(left, (1100, 1400), 0.0), left);
    }

    #[test]
    fn a_page_on_a_table_is_found_and_straightened() {
        // A dark surface with a lighter quadrilateral on it (a page photographed at an angle).
        let mut img = GrayImage::from_pixel(800, 1000, Luma([60]));
        let quad = [(120.0, 90.0), (690.0, 130.0), (650.0, 900.0), (90.0, 860.0)];
        let inside = |x: f32, y: f32| {
            (0..4).all(|i| {
                let (a, b) = (quad[i], quad[(i + 1) % 4]);
                (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0) >= 0.0
            })
        };
        for (x, y, p) in img.enumerate_pixels_mut() {
            if inside(x as f32, y as f32) {
                *p = Luma([235]);
            }
        }
        let (out, corners) = find_page(&img).expect("a page");
        for (c, q) in corners.iter().zip(quad) {
            assert!(
                (c.0 - q.0).abs() < 8.0 && (c.1 - q.1).abs() < 8.0,
                "{corners:?}"
            );
        }
        // The straightened page is the page only: no dark surface left inside it.
        let dark = out.as_raw().iter().filter(|&&v| v < 150).count();
        assert!(dark * 100 < out.as_raw().len(), "{dark} dark pixels");
        // A plain scan (the page fills the frame) is left alone.
        assert!(find_page(&page(800, 1000)).is_none());
    }

    #[test]
    fn shading_and_uneven_light_become_white_and_text_stays_black() {
        let mut img = page(1000, 1000);
        for (x, y, p) in img.enumerate_pixels_mut() {
            // Light falling off to the right, a grey box, and text strokes inside it.
            let light = 255.0 - x as f32 * 0.08;
            let boxed = (200..600).contains(&x) && (300..500).contains(&y);
            let stroke = boxed && (x % 40 < 3) && (350..450).contains(&y);
            let v = if stroke {
                30.0
            } else if boxed {
                190.0
            } else {
                light
            };
            *p = Luma([v.min(light) as u8]);
        }
        flatten_background(&mut img, 100.0);
        assert!(img.get_pixel(900, 100)[0] > 240, "lit evenly");
        assert!(img.get_pixel(421, 320)[0] > 230, "the box is white");
        assert!(img.get_pixel(400, 400)[0] < 80, "the stroke is dark");
    }

    #[test]
    fn a_fax_speck_goes_and_a_letter_stays() {
        let mut img = page(40, 40);
        img.put_pixel(5, 5, Luma([0]));
        // A period: two by two.
        for (x, y) in [(30, 30), (31, 30), (30, 31), (31, 31)] {
            img.put_pixel(x, y, Luma([0]));
        }
        for y in 20..30 {
            img.put_pixel(20, y, Luma([0]));
        }
        despeckle(&mut img);
        assert_eq!(img.get_pixel(5, 5)[0], 255);
        assert!((20..30).all(|y| img.get_pixel(20, y)[0] == 0));
        assert_eq!(img.get_pixel(31, 31)[0], 0);
    }

    #[test]
    fn a_photo_without_a_resolution_is_measured_by_its_width() {
        let p = prepare(&PageImage {
            image: GrayImage::from_pixel(1700, 2200, Luma([240])),
            dpi: (72.0, 72.0),
        });
        assert!((p.dpi - 200.0).abs() < 1.0, "{}", p.dpi);
        assert!(p.dpi_estimated);
    }
}
