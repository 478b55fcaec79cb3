import { Resvg } from '@resvg/resvg-js';

/**
 * Rasterises one of the project's SVG plots to PNG (resvg, a native renderer shipped as an npm
 * package — no browser). Text uses the system's fonts (DejaVu Sans on Debian, from
 * `fonts-dejavu-core`); without any font the text is left out but the drawing is still made.
 * `scale` multiplies the SVG's own width and height (2 gives a sharp figure for print).
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}
