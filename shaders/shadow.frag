#version 330 core
// Depth-only pass of the sun shadow map (mesh.vert with SHADOW writes the position).
void main() {}
