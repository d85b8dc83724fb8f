/**
 * Row ids of projected objects. One namespace watched: the object's name. Several: `<namespace>/<name>`, so two
 * namespaces never share an agent group by accident.
 */
export interface IdScope {
  multiNamespace: boolean;
}

export function projectedId(namespace: string, name: string, scope: IdScope): string {
  return scope.multiNamespace ? `${namespace}/${name}` : name;
}
