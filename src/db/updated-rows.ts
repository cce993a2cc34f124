/**
 * The rows an UPDATE ... RETURNING gave. TypeORM's query() answers a top-level UPDATE or DELETE
 * with [rows, rowCount] (any other statement with the rows), so UPDATE results pass through here.
 */
export function updatedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number")
    return result[0] as T[];
  return result as T[];
}
