/** @mesh/local-mesh (being built). */
export const PACKAGE_NAME = '@mesh/local-mesh';
