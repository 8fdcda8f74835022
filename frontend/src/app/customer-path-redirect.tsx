import { Navigate, useParams } from 'react-router';

/**
 * `/customers/C000123`, the path people type and share (the API's own shape), opens that customer on
 * the Customer 360 page, which keeps its selection in the query.
 */
export function CustomerPathRedirect() {
  const { customerNumber = '' } = useParams();
  return <Navigate replace to={`/customers?${new URLSearchParams({ customer: customerNumber }).toString()}`} />;
}
