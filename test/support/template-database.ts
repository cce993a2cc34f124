/** Filled in once the entities and migrations exist: creates and migrates the template database. */
export async function prepareTemplateDatabase(_adminUrl: string): Promise<void> {}
