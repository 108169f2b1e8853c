/** confusion[true][predicted] as a heat grid with counts; rows and columns named by class. */
export function ConfusionMatrix({ confusion, classNames }: { confusion: number[][]; classNames?: string[] }) {
  const max = Math.max(1, ...confusion.flat());
  const name = (i: number) => classNames?.[i] ?? String(i);
  // Full class names: columns written vertically, rows as they are (no "versi…").
  return (
    <table className="confusion" aria-label="Confusion matrix (rows: true class, columns: predicted)">
      <thead>
        <tr>
          <th scope="col">t\p</th>
          {confusion.map((_, j) => (
            <th key={j} scope="col" title={name(j)} className="cm-col">
              <span>{name(j)}</span>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.map((row, i) => (
          <tr key={i}>
            <th scope="row" title={name(i)} className="cm-row">
              {name(i)}
            </th>
            {row.map((v, j) => (
              <td
                key={j}
                style={{
                  background: `rgba(${i === j ? '105,240,174' : '255,138,128'}, ${v ? 0.15 + 0.85 * (v / max) : 0})`,
                }}
                title={`true ${name(i)}, predicted ${name(j)}: ${v}`}
              >
                {v || ''}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
