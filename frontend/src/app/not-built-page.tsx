/** Placeholder for pages whose issue has not landed yet; says so rather than showing fake data. */
export function NotBuiltPage({ title }: { title: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      <p className="empty">This page is not built yet.</p>
    </section>
  );
}
