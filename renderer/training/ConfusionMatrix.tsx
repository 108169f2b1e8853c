/** confusion[true][predicted] as a heat grid with counts. */
export function ConfusionMatrix({ confusion }: { confusion: number[][] }) {
  const max = Math.max(1, ...confusion.flat());
  return (
    <table className="confusion" aria-label="Confusion matrix (rows: true digit, columns: predicted)">
      <thead>
        <tr>
          <th scope="col">t\p</th>
          {confusion.map((_, j) => (
            <th key={j} scope="col">{j}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.map((row, i) => (
          <tr key={i}>
            <th scope="row">{i}</th>
            {row.map((v, j) => (
              <td key={j} style={{ background: `rgba(${i === j ? '105,240,174' : '255,138,128'}, ${v ? 0.15 + 0.85 * (v / max) : 0})` }} title={`true ${i}, predicted ${j}: ${v}`}>
                {v || ''}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
