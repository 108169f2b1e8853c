import { memo } from 'react';
import { tieLinks, type SharingInfo } from './weightSharing';

const CELL = 13;
const GAP = 5;
const SET_COLOURS = ['#7c8cff', '#ffb74d', '#69f0ae', '#ff8a80', '#4fc3f7', '#b388ff'];

/**
 * The repeats of a block in a row: one square per repeat, coloured and numbered by the weight
 * set it uses; dashed arcs link repeats that share (are tied to) the same weights.
 */
function TiedStripView({ sharing }: { sharing: SharingInfo }) {
  return (
    <div className="tied-strips" title={sharing.title} aria-label={sharing.title} role="img" data-testid="tied-strip">
      {sharing.strips.map((s) => {
        const width = s.sets.length * (CELL + GAP);
        return (
          <div className="tied-strip" key={s.label}>
            <span className="tied-label">{s.label}</span>
            <svg width={width} height={CELL + 12} viewBox={`0 0 ${width} ${CELL + 12}`}>
              {tieLinks(s.sets).map(([a, b]) => {
                const x1 = a * (CELL + GAP) + CELL / 2;
                const x2 = b * (CELL + GAP) + CELL / 2;
                return (
                  <path
                    key={`${a}-${b}`}
                    d={`M ${x1} 10 Q ${(x1 + x2) / 2} ${b - a > 1 ? -4 : 2} ${x2} 10`}
                    className="tie-link"
                  />
                );
              })}
              {s.sets.map((set, i) => (
                <g key={i} transform={`translate(${i * (CELL + GAP)}, 10)`}>
                  <rect
                    width={CELL}
                    height={CELL}
                    rx={2.5}
                    fill={SET_COLOURS[set % SET_COLOURS.length]}
                    fillOpacity={0.28}
                    stroke={SET_COLOURS[set % SET_COLOURS.length]}
                  />
                  <text x={CELL / 2} y={CELL - 3.5} textAnchor="middle" className="tie-set">
                    {String.fromCharCode(65 + (set % 26))}
                  </text>
                </g>
              ))}
            </svg>
          </div>
        );
      })}
    </div>
  );
}

export const TiedStrip = memo(TiedStripView);

/** A small chain-link mark for tied weights (no font on every system has a chain glyph). */
export function TieIcon() {
  return (
    <svg className="tie-icon" width="14" height="9" viewBox="0 0 14 9" aria-hidden="true">
      <rect x="0.75" y="1.5" width="7" height="6" rx="3" />
      <rect x="6.25" y="1.5" width="7" height="6" rx="3" />
    </svg>
  );
}
